// Admin: a staff member's weekly working hours, read and replaced as a whole pattern (several
// intervals a day make breaks).
import { Hono } from "hono";
import { z } from "zod";
import { replaceWeeklyHours, weeklyHours } from "../../db/queries/admin-schedule";
import type { WorkingHoursRow } from "../../db/queries/admin-schedule";
import { staffOf } from "../../db/queries/catalog";
import type { StaffRow } from "../../db/queries/catalog";
import type { AppEnv } from "../context";
import { actingMerchantId, anyMember, ownerOnly } from "./guard";
import { interval, reportOverlaps } from "./schemas";
import { valid } from "./validate";

const weeklyBody = z
	.strictObject({
		hours: z.array(interval.extend({ weekday: z.number().int().min(1).max(7) })).max(100),
	})
	.superRefine((body, ctx) => reportOverlaps(body.hours, (i) => i.weekday, ctx, ["hours"]));

function weeklyJson(member: StaffRow, rows: WorkingHoursRow[]): Record<string, unknown> {
	return { staffId: member.id, timezone: member.timezone, hours: rows.map((r) => ({ weekday: r.weekday, start: r.startTime, end: r.endTime })) };
}

export const adminHours = new Hono<AppEnv>()
	.get("/staff/:staffId/hours", anyMember, async (c) => {
		const member = await staffOf(c.var.db, actingMerchantId(c), c.req.param("staffId"));
		const rows = await weeklyHours(c.var.db, member.id);
		return c.json(weeklyJson(member, rows));
	})

	.put("/staff/:staffId/hours", ownerOnly, valid("json", weeklyBody), async (c) => {
		const member = await staffOf(c.var.db, actingMerchantId(c), c.req.param("staffId"));
		await replaceWeeklyHours(c.var.db, member.id, c.req.valid("json").hours);
		const rows = await weeklyHours(c.var.db, member.id);
		return c.json(weeklyJson(member, rows));
	});
