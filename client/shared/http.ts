// The browser's one way to call our JSON APIs (widget, admin and account bundles): JSON in and out, the
// session's CSRF token on every change (and the new one after a call that rotated the session), and
// every failure turned into a message plus what its problem names (per-field errors, the free times
// instead of a taken one): an RFC 9457 problem, a body that is not JSON at all (a proxy's or the
// platform's error page), or no answer.
import type { FieldError, Slot } from "../../src/web/api/schemas";

export type Failure = { ok: false; status: number; detail: string; errors: FieldError[]; alternatives: Slot[] };
export type Answer<T> = { ok: true; status: number; data: T } | Failure;

/** null: no session (changes need no token); undefined: not known yet (the widget's pages carry none). */
let csrfToken: string | null | undefined;
let sessionAsked: Promise<unknown> | undefined;

/** The token of the session the page was rendered for (admin and account pages carry it). */
export function useCsrfToken(token: string | null): void {
	csrfToken = token;
}

/** The session's token, asked of /auth/session once when the page did not carry it (its answer sets it). */
async function tokenForChange(): Promise<string | null> {
	if (csrfToken === undefined) {
		sessionAsked ??= request("GET", "/auth/session");
		await sessionAsked;
	}
	return csrfToken ?? null;
}

/** What to say when the answer carries no problem we can read: by status, never the body's own text. */
function unreadableFailure(status: number): string {
	if (status === 401) return "Your session has ended. Please sign in again.";
	if (status === 403) return "That was refused. Reload the page and try again.";
	if (status === 404) return "That could not be found. It may have been removed; reload the page.";
	if (status === 413) return "That is too large to send.";
	if (status === 429) return "Too many attempts. Wait a moment and try again.";
	if (status >= 500) return `Slotline could not finish that (error ${status}). Please try again in a moment.`;
	return `Slotline could not accept that (error ${status}). Please check the form and try again.`;
}

/** The body as JSON, or undefined when it is empty, not JSON, or broken JSON. */
async function jsonOf(res: Response): Promise<unknown> {
	const text = await res.text().catch(() => "");
	if (text === "" || !/\bjson\b/i.test(res.headers.get("content-type") ?? "")) return undefined;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

export async function request<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
	const token = method === "GET" ? null : await tokenForChange();
	let res: Response;
	try {
		res = await fetch(url, {
			method,
			credentials: "same-origin",
			headers: {
				accept: "application/json",
				...(body === undefined ? {} : { "content-type": "application/json" }),
				...(token === null ? {} : { "x-csrf-token": token }),
				...headers,
			},
			...(body === undefined ? {} : { body: JSON.stringify(body) }),
		});
	} catch {
		return { ok: false, status: 0, detail: "Slotline could not be reached. Check your connection and try again.", errors: [], alternatives: [] };
	}
	const parsed = await jsonOf(res);
	if (res.ok) {
		// The session view (/auth/session, and sign-in, password changes and the like, which answer with
		// that of a brand-new session) carries the session's token, null when there is none.
		const session = (parsed as { csrfToken?: unknown } | undefined)?.csrfToken;
		if (typeof session === "string" || session === null) csrfToken = session;
		return { ok: true, status: res.status, data: (parsed ?? null) as T };
	}
	const problem = (typeof parsed === "object" && parsed !== null ? parsed : {}) as { detail?: unknown; errors?: unknown; alternatives?: unknown };
	const detail = typeof problem.detail === "string" && problem.detail !== "" ? problem.detail : unreadableFailure(res.status);
	const errors = Array.isArray(problem.errors) ? (problem.errors as unknown[]).filter(isFieldError) : [];
	// Only our own 409 carries alternatives, so they are taken as the schema says.
	const alternatives = Array.isArray(problem.alternatives) ? (problem.alternatives as Slot[]) : [];
	return { ok: false, status: res.status, detail, errors, alternatives };
}

function isFieldError(value: unknown): value is FieldError {
	const e = value as FieldError | null;
	return typeof e === "object" && e !== null && typeof e.field === "string" && typeof e.message === "string";
}
