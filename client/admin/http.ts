// The admin islands' calls to the Admin API: the shared JSON helper (client/shared/http.ts), plus
// what only the admin does: a session that ended sends the person to sign in and back.
import { request as send } from "../shared/http";
import type { Answer } from "../shared/http";

let business: string | null = null;

/** The business this page was rendered for: every call names it, so a tab left open after switching business elsewhere is refused (409) instead of acting on the other one. */
export function useBusiness(merchantId: string | null): void {
	business = merchantId;
}

export async function request<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
	const answer = await send<T>(method, url, body, business === null ? headers : { "x-slotline-merchant": business, ...headers });
	// The session ended (not a wrong password at sign-in): sign in again and come back.
	if (!answer.ok && answer.status === 401 && !url.startsWith("/auth/")) {
		location.assign(`/admin/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
	}
	return answer;
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
