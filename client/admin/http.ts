// The admin islands' one way to call the Admin API: JSON in and out, the session's CSRF token on every
// change, and RFC 9457 problems turned into a message plus per-field errors.
export interface FieldError {
	field: string;
	message: string;
}

export type Answer<T> = { ok: true; status: number; data: T } | { ok: false; status: number; detail: string; errors: FieldError[] };

let csrfToken = "";

export function useCsrfToken(token: string): void {
	csrfToken = token;
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
				...(method === "GET" ? {} : { "x-csrf-token": csrfToken }),
				...headers,
			},
			...(body === undefined ? {} : { body: JSON.stringify(body) }),
		});
	} catch {
		return { ok: false, status: 0, detail: "Slotline could not be reached. Check the connection and try again.", errors: [] };
	}
	const text = await res.text();
	const parsed: unknown = text === "" ? null : JSON.parse(text);
	if (res.ok) return { ok: true, status: res.status, data: parsed as T };
	// The session ended (not a wrong password at sign-in): sign in again and come back.
	if (res.status === 401 && !url.startsWith("/auth/")) {
		location.assign(`/admin/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
	}
	const problem = (parsed ?? {}) as { detail?: string; title?: string; errors?: FieldError[] };
	return { ok: false, status: res.status, detail: problem.detail ?? problem.title ?? "Something went wrong.", errors: problem.errors ?? [] };
}

/** The UTC instant of a wall-clock time in the merchant's zone, computed by the server. */
export async function instantOf(local: string): Promise<Answer<{ instant: string }>> {
	return request<{ instant: string }>("GET", `/admin/instant?local=${encodeURIComponent(local)}`);
}

/** Shows a short message in the page's polite live region. */
export function announce(message: string): void {
	const region = document.getElementById("admin-status");
	if (region === null) return;
	region.textContent = message;
	region.classList.add("visible");
	setTimeout(() => region.classList.remove("visible"), 4000);
}
