// The account islands' one way to call the JSON APIs: the session's CSRF token on every change (and
// the new one after a call that rotated the session), and RFC 9457 problems as a message plus fields.
export interface FieldError {
	field: string;
	message: string;
}

export type Answer<T> = { ok: true; status: number; data: T } | { ok: false; status: number; detail: string; errors: FieldError[] };

let csrfToken: string | null = null;

export function useCsrfToken(token: string | null): void {
	csrfToken = token;
}

export async function send<T>(method: string, url: string, body?: unknown): Promise<Answer<T>> {
	let res: Response;
	try {
		res = await fetch(url, {
			method,
			credentials: "same-origin",
			headers: {
				accept: "application/json",
				...(body === undefined ? {} : { "content-type": "application/json" }),
				...(method === "GET" || csrfToken === null ? {} : { "x-csrf-token": csrfToken }),
			},
			...(body === undefined ? {} : { body: JSON.stringify(body) }),
		});
	} catch {
		return { ok: false, status: 0, detail: "Slotline could not be reached. Check your connection and try again.", errors: [] };
	}
	const text = await res.text();
	let parsed: unknown = null;
	try {
		parsed = text === "" ? null : JSON.parse(text);
	} catch {
		parsed = null;
	}
	if (res.ok) {
		// Sign-in, password changes and the like answer with the session view of a brand-new session.
		const token = (parsed as { csrfToken?: unknown } | null)?.csrfToken;
		if (typeof token === "string") csrfToken = token;
		return { ok: true, status: res.status, data: parsed as T };
	}
	const problem = (parsed ?? {}) as { detail?: unknown; errors?: unknown };
	const detail = typeof problem.detail === "string" ? problem.detail : "Something went wrong. Please try again.";
	const errors = Array.isArray(problem.errors) ? (problem.errors as FieldError[]) : [];
	return { ok: false, status: res.status, detail, errors };
}
