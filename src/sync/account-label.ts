// The account an OAuth connection belongs to, as the person knows it (an email address), read once at connect time.
import type { CalendarInfo } from "../calendars/provider";
import { ProviderError } from "../calendars/provider";
import type { OAuthProvider } from "./connection-oauth";

/**
 * Google: the primary calendar's id is the account's address. Microsoft: the default calendar's
 * owner (GET /me/calendar needs only Calendars.Read, unlike /me which needs User.Read).
 */
export async function accountLabel(provider: OAuthProvider, calendars: CalendarInfo[], graphApi: string, accessToken: string): Promise<string> {
	if (provider === "google") {
		const primary = calendars.find((c) => c.primary);
		if (primary === undefined) throw new ProviderError({ provider: "google", status: 200, code: "noPrimaryCalendar", retryable: false });
		return primary.id;
	}
	const response = await fetch(`${graphApi.replace(/\/$/, "")}/me/calendar`, { headers: { authorization: `Bearer ${accessToken}` } });
	if (!response.ok) throw new ProviderError({ provider: "microsoft", status: response.status, code: "defaultCalendar", retryable: response.status >= 500 });
	const calendar = (await response.json()) as { owner?: { address?: string } };
	const address = calendar.owner?.address;
	if (address === undefined || address === "") throw new ProviderError({ provider: "microsoft", status: 200, code: "noCalendarOwner", retryable: false });
	return address.toLowerCase();
}
