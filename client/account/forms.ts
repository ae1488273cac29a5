// Wiring for a server-rendered account form: read its fields, send them, and show the outcome. Field
// problems land beside their inputs (aria-invalid, the field's error slot), the rest in the form's
// alert line; success goes to the form's status line or the caller's own handler.
import type { Answer, Failure } from "../shared/http";

export type FormValues = Record<string, string | boolean>;

function errorSlot(form: HTMLFormElement, input: HTMLElement): HTMLElement | null {
	return form.querySelector<HTMLElement>(`#${CSS.escape(`${input.id}-error`)}`);
}

function clear(form: HTMLFormElement): void {
	for (const input of Array.from(form.querySelectorAll<HTMLElement>("[aria-invalid]"))) input.removeAttribute("aria-invalid");
	for (const slot of Array.from(form.querySelectorAll<HTMLElement>(".field-error, .form-error, .form-done"))) slot.textContent = "";
}

/** The form's named inputs: checkboxes as booleans, everything else as trimmed text (passwords as typed). */
export function valuesOf(form: HTMLFormElement): FormValues {
	const values: FormValues = {};
	for (const element of Array.from(form.elements)) {
		const input = element as HTMLInputElement;
		if (input.name === "" || input.disabled) continue;
		values[input.name] = input.type === "checkbox" ? input.checked : input.type === "password" ? input.value : input.value.trim();
	}
	return values;
}

export function showProblem(form: HTMLFormElement, answer: Failure): void {
	const unplaced: string[] = [];
	for (const problem of answer.errors) {
		// "body.password", "password" and "customer.email" all name the input by their last segment.
		const name = problem.field.split(".").at(-1) ?? problem.field;
		const input = form.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`);
		const slot = input === null ? null : errorSlot(form, input);
		if (input === null || slot === null) {
			unplaced.push(problem.message);
			continue;
		}
		input.setAttribute("aria-invalid", "true");
		slot.textContent = problem.message;
	}
	const summary = form.querySelector<HTMLElement>(".form-error");
	if (summary !== null) summary.textContent = answer.errors.length > 0 && unplaced.length === 0 ? "Please correct the fields marked below." : [answer.detail, ...unplaced].join(" ");
	(form.querySelector<HTMLElement>('[aria-invalid="true"]') ?? summary)?.focus();
}

export function showDone(form: HTMLFormElement, message: string): void {
	const done = form.querySelector<HTMLElement>(".form-done");
	if (done !== null) done.textContent = message;
}

/**
 * Sends the form through `submit` on every submission (one at a time). `done` runs on success; a
 * problem is shown in the form. The browser's own validation bubbles are off: the API names each
 * field, and its words are the ones shown.
 */
export function bindForm<T>(form: HTMLFormElement | null, submit: (values: FormValues) => Promise<Answer<T>>, done: (data: T) => void): void {
	if (form === null) return;
	form.noValidate = true;
	const summary = form.querySelector<HTMLElement>(".form-error");
	if (summary !== null) summary.tabIndex = -1;
	form.addEventListener("submit", (event) => {
		event.preventDefault();
		const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
		if (button?.disabled === true) return;
		clear(form);
		if (button !== null) {
			button.disabled = true;
			button.setAttribute("aria-busy", "true");
		}
		void submit(valuesOf(form))
			.then((answer) => {
				if (answer.ok) done(answer.data);
				else showProblem(form, answer);
			})
			.finally(() => {
				if (button !== null) {
					button.disabled = false;
					button.removeAttribute("aria-busy");
				}
			});
	});
}

/** Shows a hidden success panel in place of its form and moves focus to it. */
export function reveal(panelId: string, hide: HTMLElement | null): void {
	const panel = document.getElementById(panelId);
	if (panel === null) return;
	if (hide !== null) hide.hidden = true;
	panel.hidden = false;
	panel.focus();
}
