// Every server-rendered admin form marked with data-api is sent as JSON to the Admin API: fields become
// the body (data-type says how), field errors are shown beside their inputs, and success reloads the
// page, goes to the path in data-done or announces it. One handler instead of a script per form.
import { announce, instantOf, request } from "./http";
import { placeBody, startPlaceFields } from "./place-fields";
import type { FieldError } from "../../src/web/api/schemas";

type Json = Record<string, unknown>;

/** "09:00-12:00, 13:00-17:00" → [{start, end}, …]; throws a readable message on anything else. */
export function parseIntervals(text: string): Array<{ start: string; end: string }> {
	return text
		.split(",")
		.map((part) => part.trim())
		.filter((part) => part !== "")
		.map((part) => {
			const match = /^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$/.exec(part);
			if (match === null) throw new Error(`"${part}" is not a time range like 09:00-17:00`);
			const pad = (t: string): string => t.padStart(5, "0");
			return { start: pad(match[1] ?? ""), end: pad(match[2] ?? "") };
		});
}

function setPath(target: Json, path: string, value: unknown): void {
	const keys = path.split(".");
	let node = target;
	for (const key of keys.slice(0, -1)) {
		node[key] ??= {};
		node = node[key] as Json;
	}
	node[keys.at(-1) ?? path] = value;
}

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

async function fieldValue(field: Field): Promise<unknown> {
	const type = field.dataset["type"];
	const value = field.value.trim();
	if (type === "bool") return (field as HTMLInputElement).checked;
	if (type === "number") return value === "" ? undefined : Number(value);
	if (type === "nullable") return value === "" ? null : value;
	if (type === "addresses") return value.split(/[\s,;]+/).filter((address) => address !== "");
	if (type === "money") return value === "" ? null : { amountCents: Math.round(Number(value.replace(",", ".")) * 100), currency: "EUR" };
	if (type === "local-datetime") {
		if (value === "") return undefined;
		const answer = await instantOf(value);
		if (!answer.ok) throw new Error(answer.detail);
		return answer.data.instant;
	}
	return field.value;
}

/** The form's fields as the JSON body its API expects. */
async function bodyOf(form: HTMLFormElement): Promise<Json> {
	const body: Json = JSON.parse(form.dataset["extra"] ?? "{}") as Json;
	const lists = new Map<string, string[]>();
	for (const element of Array.from(form.elements)) {
		const field = element as Field;
		if (field.name === "" || field.disabled || !("value" in field)) continue;
		if (field.dataset["type"] === "list") {
			const list = lists.get(field.name) ?? [];
			if ((field as HTMLInputElement).checked) list.push(field.value);
			lists.set(field.name, list);
			continue;
		}
		// A radio, or a checkbox that is neither a list item nor a boolean, counts only when checked (as
		// a browser submits it): its value must never arrive for an unticked box.
		const kind = (field as HTMLInputElement).type;
		if (kind === "radio" || (kind === "checkbox" && field.dataset["type"] !== "bool")) {
			if ((field as HTMLInputElement).checked) setPath(body, field.name, field.value);
			continue;
		}
		const value = await fieldValue(field);
		if (value !== undefined) setPath(body, field.name, value);
	}
	for (const [name, values] of lists) setPath(body, name, values);
	return reshape(form.dataset["shape"], placeBody(body));
}

/** Forms whose inputs do not map one-to-one onto the API body. */
function reshape(shape: string | undefined, body: Json): Json {
	if (shape === "hours") {
		const hours = [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) => parseIntervals(String(body[`day${weekday}`] ?? "")).map((i) => ({ weekday, ...i })));
		return { hours };
	}
	if (shape === "override") {
		const closed = body["closed"] === true;
		return { date: body["date"], closed, intervals: closed ? [] : parseIntervals(String(body["intervals"] ?? "")) };
	}
	if (shape === "calendars") {
		const write = String(body["writeCalendarId"] ?? "");
		return { writeCalendarId: write === "" ? null : write, conflictCalendarIds: body["conflictCalendarIds"] ?? [] };
	}
	return body;
}

/** A field the URL is built from was left empty: said on that field, never sent (it would name another route). */
class MissingFieldError extends Error {
	constructor(readonly field: string) {
		super(`${field} is required`);
	}
}

/** Fills `{name}` placeholders of the URL from the body (and drops those fields from it). */
function urlOf(template: string, body: Json): string {
	return template.replace(/\{(\w+)\}/g, (_, name: string) => {
		const value = String(body[name] ?? "");
		if (value === "") throw new MissingFieldError(name);
		delete body[name];
		return encodeURIComponent(value);
	});
}

function showErrors(form: HTMLFormElement, detail: string, errors: FieldError[]): void {
	const summary = form.querySelector<HTMLElement>(".form-error");
	const lines: string[] = [];
	for (const error of errors) {
		// "body.price.amountCents" → the input named "price"; "body.hours.3.start" has no input of its own.
		const path = error.field.replace(/^(body|query|path)\./, "");
		const input = form.querySelector<HTMLElement>(`[name="${path}"]`) ?? form.querySelector<HTMLElement>(`[name="${path.split(".")[0] ?? ""}"]`);
		if (input !== null) input.setAttribute("aria-invalid", "true");
		const label = input === null ? path : (form.querySelector(`label[for="${input.id}"]`)?.textContent?.trim() ?? path);
		lines.push(`${label}: ${error.message}`);
	}
	const text = lines.length > 0 ? lines.join(" · ") : detail;
	if (summary !== null) summary.textContent = text;
	else announce(text);
	form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}

async function submit(form: HTMLFormElement, event: SubmitEvent): Promise<void> {
	event.preventDefault();
	const confirmText = form.dataset["confirm"];
	if (confirmText !== undefined && !window.confirm(confirmText)) return;
	for (const invalid of Array.from(form.querySelectorAll("[aria-invalid]"))) invalid.removeAttribute("aria-invalid");
	const summary = form.querySelector<HTMLElement>(".form-error");
	if (summary !== null) summary.textContent = "";
	const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
	if (button !== null) button.disabled = true;
	try {
		const body = await bodyOf(form);
		const url = urlOf(form.dataset["api"] ?? "", body);
		const method = form.dataset["method"] ?? "POST";
		const answer = await request(method, url, method === "DELETE" ? undefined : body);
		if (!answer.ok) {
			showErrors(form, answer.detail, answer.errors);
			return;
		}
		// "reload", a path of ours to go to (a switch of business), or a message to announce.
		const done = form.dataset["done"] ?? "reload";
		if (done === "reload") location.reload();
		else if (done.startsWith("/")) location.assign(done);
		else announce(done);
	} catch (error) {
		if (error instanceof MissingFieldError) {
			const input = form.querySelector<HTMLInputElement>(`[name="${error.field}"]`);
			showErrors(form, error.message, [{ field: error.field, message: input?.type === "date" ? "Choose a date" : "Fill this in" }]);
		} else {
			showErrors(form, error instanceof Error ? error.message : "Something went wrong.", []);
		}
	} finally {
		if (button !== null) button.disabled = false;
	}
}

export function startForms(root: ParentNode): void {
	startPlaceFields(root);
	for (const form of Array.from(root.querySelectorAll<HTMLFormElement>("form[data-api]"))) {
		// The API validates and names each field; the browser's own bubbles would hide those messages.
		form.noValidate = true;
		form.addEventListener("submit", (event) => void submit(form, event));
	}
}
