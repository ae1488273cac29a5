// Admin: dates whose hours differ from a staff member's weekly pattern (other hours, or closed).
import { Hono } from "hono";
import { z } from "zod";
import { deleteOverride, overridesBetween, putOverride } from "../../db/queries/admin-schedule";
import type { DateOverrideRow } from "../../db/queries/admin-schedule";
import { staffOf } from "../../db/queries/catalog";
import type { AppEnv } from "../context";
import { actingMerchantId, anyMember, ownerOnly } from "./guard";
import { dateRange, interval, isoDate, reportOverlaps } from "./schemas";
import { valid } from "./validate";

const dateParam = z.object({ staffId: z.string(), date: isoDate });

/** Either `closed: true`, or the day's intervals. */
const overrideBody = z
	.strictObject({ closed: z.boolean().default(false), intervals: z.array(interval).max(20).default([]) })
	.superRefine((body, ctx) => {
		if (body.closed && body.intervals.length > 0) ctx.addIssue({ code: "custom", path: ["intervals"], message: "A closed day has no intervals" });
		if (!body.closed && body.intervals.length === 0) ctx.addIssue({ code: "custom", path: ["intervals"], message: "Give at least one interval, or closed: true" });
		reportOverlaps(body.intervals, () => 0, ctx, ["intervals"]);
	});

function overrideJson(row: DateOverrideRow): Record<string, unknown> {
	return { date: row.date, closed: row.intervals.length === 0, intervals: row.intervals };
}

export const adminOverrides = new Hono<AppEnv>()
	.get("/staff/:staffId/overrides", anyMember, valid("query", dateRange), async (c) => {
		const member = await staffOf(c.var.db, actingMerchantId(c), c.req.param("staffId"));
		const { from, to } = c.req.valid("query");
		const rows = await overridesBetween(c.var.db, member.id, from, to);
		return c.json({ staffId: member.id, overrides: rows.map(overrideJson) });
	})

	.put("/staff/:staffId/overrides/:date", ownerOnly, valid("param", dateParam), valid("json", overrideBody), async (c) => {
		const member = await staffOf(c.var.db, actingMerchantId(c), c.req.valid("param").staffId);
		const row = await putOverride(c.var.db, member.id, c.req.valid("param").date, c.req.valid("json").intervals);
		return c.json({ staffId: member.id, override: overrideJson(row) });
	})

	.delete("/staff/:staffId/overrides/:date", ownerOnly, valid("param", dateParam), async (c) => {
		const member = await staffOf(c.var.db, actingMerchantId(c), c.req.valid("param").staffId);
		await deleteOverride(c.var.db, member.id, c.req.valid("param").date);
		return c.body(null, 204);
	});
