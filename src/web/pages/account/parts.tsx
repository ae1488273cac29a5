// Pieces the account pages share: a labelled field whose error the island fills in, the banners, and
// the provider sign-in buttons. Accessible by construction: every input has a label and an error slot.
import type { Child } from "hono/jsx";
import type { OfferedSignIn } from "../../api/schemas";
import { providerStart } from "./scope";

export interface FieldProps {
	/** The API's name for the value; the island maps problem fields to inputs by it. */
	name: string;
	label: string;
	type?: string;
	autocomplete?: string;
	value?: string | null;
	required?: boolean;
	hint?: string;
	maxlength?: number;
	minlength?: number;
	/** Prefixes the element ids, so two forms on a page can share a field name. */
	form: string;
}

export function Field(props: FieldProps): Child {
	const id = `${props.form}-${props.name}`;
	const hintId = props.hint === undefined ? undefined : `${id}-hint`;
	return (
		<p class="field">
			<label for={id}>{props.label}</label>
			{props.hint === undefined ? null : (
				<span class="hint" id={hintId}>
					{props.hint}
				</span>
			)}
			<input
				id={id}
				name={props.name}
				type={props.type ?? "text"}
				autocomplete={props.autocomplete}
				value={props.value ?? undefined}
				required={props.required === true}
				maxlength={props.maxlength}
				minlength={props.minlength}
				aria-describedby={[hintId, `${id}-error`].filter((part) => part !== undefined).join(" ")}
			/>
			<span class="field-error" id={`${id}-error`}></span>
		</p>
	);
}

/** A message the server already knows (an error code, a confirmed address). */
export function Banner(props: { kind: "error" | "ok" | "info"; id?: string; children?: Child }): Child {
	return (
		<div class={`banner ${props.kind}`} id={props.id} role={props.kind === "error" ? "alert" : "status"}>
			{props.children}
		</div>
	);
}

/** The form's own summary line, filled by the island (role=alert, so it is read out). */
export function FormError(): Child {
	return <p class="form-error" role="alert"></p>;
}

export function ProviderButtons(props: { methods: OfferedSignIn; returnTo: string; verb: string }): Child {
	if (!props.methods.google && !props.methods.facebook) return null;
	return (
		<p class="actions providers">
			{props.methods.google ? (
				<a class="button secondary" href={providerStart("google", props.returnTo)}>
					{`${props.verb} with Google`}
				</a>
			) : null}
			{props.methods.facebook ? (
				<a class="button secondary" href={providerStart("facebook", props.returnTo)}>
					{`${props.verb} with Facebook`}
				</a>
			) : null}
		</p>
	);
}

/** The panel shown in place of a form once it succeeded (the island reveals it and moves focus to it). */
export function DonePanel(props: { id: string; title: string; continueTo: string; children?: Child }): Child {
	return (
		<section id={props.id} class="card" hidden tabindex={-1} aria-labelledby={`${props.id}-title`}>
			<h2 id={`${props.id}-title`}>{props.title}</h2>
			{props.children}
			<p class="actions">
				<a class="button primary" href={props.continueTo}>
					Continue
				</a>
			</p>
		</section>
	);
}

/** One email address and "Email me a link": a reset link, or a link finishing a provider login. */
export function EmailLinkForm(props: { form: string; label: string; value?: string | null }): Child {
	return (
		<form id={`${props.form}-form`} method="post" novalidate>
			<Field form={props.form} name="email" label={props.label} type="email" autocomplete="email" required value={props.value ?? null} maxlength={254} />
			<FormError />
			<p class="form-done" role="status"></p>
			<button type="submit" class="primary">
				Email me a link
			</button>
		</form>
	);
}

export function NoScript(): Child {
	return (
		<noscript>
			<p class="banner error">This page needs JavaScript to send its forms. Please enable it.</p>
		</noscript>
	);
}
