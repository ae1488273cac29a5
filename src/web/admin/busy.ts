// Admin: external busy time for the calendar view. Only times, flags and the provider are shown:
// busy blocks never hold an event's title, attendees or location.
import { Hono } from "hono";
import { busyBetween } from "../../db/queries/admin-bookings";
import { merchantById, staffOf } from "../../db/queries/catalog";
import { addDays, localDayStart, utcIso } from "../../time";
import type { AppEnv } from "../context";
import { actingMerchantId, anyMember } from "./guard";
import { calendarRange } from "./schemas";
import { valid } from "./validate";

export const adminBusy = new Hono<AppEnv>().get("/busy", anyMember, valid("query", calendarRange), async (c) => {
	const merchantId = actingMerchantId(c);
	const query = c.req.valid("query");
	const merchant = await merchantById(c.var.db, merchantId);
	if (query.staffId !== undefined) await staffOf(c.var.db, merchantId, query.staffId);
	const blocks = await busyBetween(
		c.var.db,
		merchantId,
		localDayStart(query.from, merchant.timezone),
		localDayStart(addDays(query.to, 1), merchant.timezone),
		// Without a staff filter: everyone's, plus the business-wide calendars (staffId null).
		query.staffId === undefined ? null : [query.staffId],
	);
	return c.json({
		timezone: merchant.timezone,
		busy: blocks.map((b) => ({ staffId: b.staffId, start: utcIso(b.start), end: utcIso(b.end), allDay: b.allDay, tentative: b.tentative, provider: b.provider })),
	});
});
