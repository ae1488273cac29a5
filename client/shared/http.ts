// The islands' one way to call our JSON APIs (admin and account bundles): JSON in and out, the
// session's CSRF token on every change (and the new one after a call that rotated the session), and
// every failure turned into a message plus per-field errors: an RFC 9457 problem, a body that is not
// JSON at all (a proxy's or the platform's error page), or no answer.
export interface FieldError {
	field: string;
	message: string;
}

export type Answer<T> = { ok: true; status: number; data: T } | { ok: false; status: number; detail: string; errors: FieldError[] };

let csrfToken: string | null = null;

export function useCsrfToken(token: string | null): void {
	csrfToken = token;
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
	let res: Response;
	try {
		res = await fetch(url, {
			method,
			credentials: "same-origin",
			headers: {
				accept: "application/json",
				...(body === undefined ? {} : { "content-type": "application/json" }),
				...(method === "GET" || csrfToken === null ? {} : { "x-csrf-token": csrfToken }),
				...headers,
			},
			...(body === undefined ? {} : { body: JSON.stringify(body) }),
		});
	} catch {
		return { ok: false, status: 0, detail: "Slotline could not be reached. Check your connection and try again.", errors: [] };
	}
	const parsed = await jsonOf(res);
	if (res.ok) {
		// Sign-in, password changes and the like answer with the session view of a brand-new session.
		const token = (parsed as { csrfToken?: unknown } | undefined)?.csrfToken;
		if (typeof token === "string") csrfToken = token;
		return { ok: true, status: res.status, data: (parsed ?? null) as T };
	}
	const problem = (typeof parsed === "object" && parsed !== null ? parsed : {}) as { detail?: unknown; errors?: unknown };
	const detail = typeof problem.detail === "string" && problem.detail !== "" ? problem.detail : unreadableFailure(res.status);
	const errors = Array.isArray(problem.errors) ? (problem.errors as unknown[]).filter(isFieldError) : [];
	return { ok: false, status: res.status, detail, errors };
}

function isFieldError(value: unknown): value is FieldError {
	const e = value as FieldError | null;
	return typeof e === "object" && e !== null && typeof e.field === "string" && typeof e.message === "string";
}
