// The public booking API's addresses and the visitor's session, as the widget asks for them. Its types
// are the server's (src/web/api/schemas.ts); its calls go through the one JSON helper (shared/http.ts).
import type { SessionView, UserView } from "../src/web/auth/session-schema";
import { request } from "./shared/http";

/** The signed-in user from GET /auth/session, or null. */
export async function currentUser(): Promise<UserView | null> {
	const answer = await request<SessionView>("GET", "/auth/session");
	return answer.ok ? answer.data.user : null;
}

export function availabilityUrl(merchant: string, query: { serviceId: string; staffId: string | null; from: string; to: string; timezone: string }): string {
	const params = new URLSearchParams({ serviceId: query.serviceId, from: query.from, to: query.to, timezone: query.timezone });
	if (query.staffId !== null) params.set("staffId", query.staffId);
	return `/api/v1/m/${encodeURIComponent(merchant)}/availability?${params.toString()}`;
}
