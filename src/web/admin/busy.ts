// Admin: external busy time for the calendar view, from the merchant's object (src/booking/busy-view.ts).
// Only times, flags, the provider and the bookings a block conflicts with are shown: busy blocks never
// hold an event's title, attendees or location.
import { Hono } from "hono";
import { busyWithConflicts } from "../../booking/busy-view";
import { merchantSettingsSchema } from "../../db/queries/admin-settings";
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
	const blocks = await busyWithConflicts(c.env, c.var.db, {
		merchantId,
		from: localDayStart(query.from, merchant.timezone),
		to: localDayStart(addDays(query.to, 1), merchant.timezone),
		// Without a staff filter: everyone's; the business-wide calendars (staffId null) always, since they block everyone.
		staffIds: query.staffId === undefined ? null : [query.staffId],
		tentativeBlocks: merchantSettingsSchema.parse(merchant.settings ?? {}).tentativeBlocks,
	});
	return c.json({
		timezone: merchant.timezone,
		busy: blocks.map((b) => ({
			staffId: b.staffId,
			start: utcIso(b.start),
			end: utcIso(b.end),
			allDay: b.allDay,
			tentative: b.tentative,
			provider: b.provider,
			// The platform is the source of truth: an overlapping booking stays, and both are flagged.
			conflict: b.conflictsWith.length > 0,
			conflictsWith: b.conflictsWith,
		})),
	});
});
