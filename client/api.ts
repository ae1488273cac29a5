// The public booking API as the widget sees it: free slots and the customer's own booking, nothing else.
export interface Service {
	id: string;
	name: string;
	durationMinutes: number;
	color: string;
	location: string | null;
	price: { amountCents: number; currency: string } | null;
	staffIds: string[];
}
export interface StaffMember {
	id: string;
	name: string;
	color: string;
}
export interface Slot {
	start: string;
	end: string;
	staffId: string;
	localStart: string;
}
export interface Booking {
	id: string;
	status: string;
	start: string;
	end: string;
	localStart: string;
	timezone: string;
	staffId: string;
	serviceId: string;
	manageUrl: string;
}
export interface Problem {
	status: number;
	title: string;
	detail: string;
	errors?: Array<{ field: string; message: string }>;
	alternatives?: Slot[];
}
export type Result<T> = { ok: true; data: T } | { ok: false; problem: Problem };

let csrfToken: Promise<string | null> | undefined;

/** A signed-in visitor's session cookie makes POSTs need the CSRF token; anonymous ones need none. */
function csrf(): Promise<string | null> {
	csrfToken ??= fetch("/auth/session", { credentials: "same-origin" })
		.then((res) => (res.ok ? (res.json() as Promise<{ csrfToken: string | null }>) : { csrfToken: null }))
		.then((body) => body.csrfToken)
		.catch(() => null);
	return csrfToken;
}

async function call<T>(url: string, init: RequestInit = {}): Promise<Result<T>> {
	let res: Response;
	try {
		res = await fetch(url, { credentials: "same-origin", ...init });
	} catch {
		return { ok: false, problem: { status: 0, title: "Offline", detail: "We could not reach the booking service. Check your connection and try again." } };
	}
	const body: unknown = await res.json().catch(() => null);
	if (res.ok) return { ok: true, data: body as T };
	const problem = (body ?? {}) as Partial<Problem>;
	return { ok: false, problem: { status: res.status, title: problem.title ?? "Error", detail: problem.detail ?? "Something went wrong.", ...(problem.errors ? { errors: problem.errors } : {}), ...(problem.alternatives ? { alternatives: problem.alternatives } : {}) } };
}

export function getJson<T>(url: string): Promise<Result<T>> {
	return call<T>(url);
}

export async function postJson<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Result<T>> {
	const token = await csrf();
	return call<T>(url, {
		method: "POST",
		headers: { "content-type": "application/json", ...(token === null ? {} : { "x-csrf-token": token }), ...headers },
		body: JSON.stringify(body),
	});
}

export interface SessionUser {
	email: string;
	firstName: string | null;
	lastName: string | null;
}

export async function currentUser(): Promise<SessionUser | null> {
	const res = await call<{ user: SessionUser | null }>("/auth/session");
	return res.ok ? res.data.user : null;
}

export function availabilityUrl(merchant: string, query: { serviceId: string; staffId: string | null; from: string; to: string; timezone: string }): string {
	const params = new URLSearchParams({ serviceId: query.serviceId, from: query.from, to: query.to, timezone: query.timezone });
	if (query.staffId !== null) params.set("staffId", query.staffId);
	return `/api/v1/m/${encodeURIComponent(merchant)}/availability?${params.toString()}`;
}
