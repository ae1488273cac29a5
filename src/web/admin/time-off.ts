// Admin: a staff member's time off (absolute instants, e.g. holidays or a dentist appointment).
import { Hono } from "hono";
import { z } from "zod";
import { deleteTimeOff, insertTimeOff, timeOffBetween } from "../../db/queries/admin-schedule";
import type { TimeOffRow } from "../../db/queries/admin-schedule";
import { merchantById, staffOf } from "../../db/queries/catalog";
import { addDays, localDayStart, utcIso } from "../../time";
import type { AppEnv } from "../context";
import { actingMerchantId, anyMember, ownerOnly } from "./guard";
import { dateRange, instant } from "./schemas";
import { valid } from "./validate";

const createBody = z
	.strictObject({ start: instant, end: instant, reason: z.string().trim().max(200).nullable().default(null) })
	.refine((b) => Number.isNaN(Date.parse(b.start)) || Number.isNaN(Date.parse(b.end)) || Date.parse(b.start) < Date.parse(b.end), {
		path: ["end"],
		message: "Must be after start",
	});

function timeOffJson(row: TimeOffRow): Record<string, unknown> {
	return { id: row.id, start: utcIso(row.startsAt), end: utcIso(row.endsAt), reason: row.reason };
}

export const adminTimeOff = new Hono<AppEnv>()
	// `from`/`to` are dates in the merchant's zone; time off overlapping them is listed.
	.get("/staff/:staffId/time-off", anyMember, valid("query", dateRange), async (c) => {
		const merchantId = actingMerchantId(c);
		const [merchant, member] = await Promise.all([merchantById(c.var.db, merchantId), staffOf(c.var.db, merchantId, c.req.param("staffId"))]);
		const { from, to } = c.req.valid("query");
		const rows = await timeOffBetween(c.var.db, member.id, localDayStart(from, merchant.timezone), localDayStart(addDays(to, 1), merchant.timezone));
		return c.json({ staffId: member.id, timeOff: rows.map(timeOffJson) });
	})

	.post("/staff/:staffId/time-off", ownerOnly, valid("json", createBody), async (c) => {
		const member = await staffOf(c.var.db, actingMerchantId(c), c.req.param("staffId"));
		const body = c.req.valid("json");
		const row = await insertTimeOff(c.var.db, member.id, { startsAt: Date.parse(body.start), endsAt: Date.parse(body.end), reason: body.reason });
		return c.json({ staffId: member.id, timeOff: timeOffJson(row) }, 201);
	})

	.delete("/staff/:staffId/time-off/:id", ownerOnly, async (c) => {
		const member = await staffOf(c.var.db, actingMerchantId(c), c.req.param("staffId"));
		await deleteTimeOff(c.var.db, member.id, c.req.param("id"));
		return c.body(null, 204);
	});
