// The account an OAuth connection belongs to, as the person knows it (an email address), read once at connect time.
import type { CalendarInfo } from "../calendars/provider";
import { ProviderError } from "../calendars/provider";
import type { OAuthProvider } from "./oauth";

/**
 * Google: the primary calendar's id is the account's address. Microsoft: the default calendar's
 * owner (GET /me/calendar needs only Calendars.Read, unlike /me which needs User.Read).
 */
export async function accountLabel(provider: OAuthProvider, calendars: CalendarInfo[], graphApi: string, accessToken: string): Promise<string> {
	if (provider === "google") {
		const primary = calendars.find((c) => c.primary);
		if (primary === undefined) throw new ProviderError("google", 200, "noPrimaryCalendar", false, null);
		return primary.id;
	}
	const response = await fetch(`${graphApi.replace(/\/$/, "")}/me/calendar`, { headers: { authorization: `Bearer ${accessToken}` } });
	if (!response.ok) throw new ProviderError("microsoft", response.status, "defaultCalendar", response.status >= 500, null);
	const calendar = (await response.json()) as { owner?: { address?: string } };
	const address = calendar.owner?.address;
	if (address === undefined || address === "") throw new ProviderError("microsoft", 200, "noCalendarOwner", false, null);
	return address.toLowerCase();
}
