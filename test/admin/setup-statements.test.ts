// The setup page lists every staff member with their hours, overrides and time off: it costs a fixed number
// of D1 statements however many staff the merchant has (one batch for all their schedules), not a few per
// staff member. Counted by the Worker's instrumented D1 binding (src/db/statement-count.ts).
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedules } from "../../src/db/queries/admin-schedule";
import { dateOverrides, staff, timeOff, workingHours } from "../../src/db/schema";
import { resetStatementCounts, statementCounts, statementCountsBySql } from "../../src/db/statement-count";
import { db } from "../auth/harness";
import { adminWorld, RIVAL } from "./support";
import type { AdminWorld } from "./support";

let world: AdminWorld;

beforeEach(async () => {
	world = await adminWorld();
});

const DAY_MS = 86_400_000;

/** Nine more staff for the rival (who has one), each with hours of their own, a closed day and time off. */
async function addStaff(now: number): Promise<Array<{ id: string; name: string; start: string; date: string }>> {
	const added = Array.from({ length: 9 }, (_, i) => ({
		id: `stf_rival_${i}`,
		name: `Rival Member ${i}`,
		start: `${String(8 + i).padStart(2, "0")}:30`,
		date: new Date(now + (3 + i) * DAY_MS).toISOString().slice(0, 10),
	}));
	for (const member of added) {
		await db().batch([
			db().insert(staff).values({ id: member.id, merchantId: RIVAL.merchantId, name: member.name, email: `${member.id}@rival.test`, timezone: "Europe/London", color: "#333333" }),
			db().insert(workingHours).values({ id: `wh_${member.id}`, staffId: member.id, weekday: 1, startTime: member.start, endTime: "18:00" }),
			db().insert(dateOverrides).values({ id: `ovr_${member.id}`, staffId: member.id, date: member.date, intervals: [] }),
			db().insert(timeOff).values({ id: `off_${member.id}`, staffId: member.id, startsAt: now + 5 * DAY_MS, endsAt: now + 6 * DAY_MS, reason: `away ${member.id}` }),
		]);
	}
	return added;
}

/** The D1 statements of one /admin/setup request as the rival's owner, after a warm-up request. */
async function setupStatements(): Promise<{ count: number; statements: string[]; html: string }> {
	expect((await world.h.request("/admin/setup", { browser: world.rival })).status).toBe(200);
	resetStatementCounts();
	const response = await world.h.request("/admin/setup", { browser: world.rival });
	const count = statementCounts().request;
	const statements = statementCountsBySql().map((s) => `${s.count} × ${s.statement}`);
	expect(response.status).toBe(200);
	return { count, statements, html: await response.text() };
}

describe("the setup page's D1 statements", () => {
	it("are as many for ten staff as for one", async () => {
		const one = await setupStatements();
		expect(one.html).toContain("Rita Rival");
		expect(one.count).toBeGreaterThan(0);

		const added = await addStaff(Date.now());
		const ten = await setupStatements();
		for (const member of added) expect(ten.html).toContain(member.name);
		expect(ten.count, `statements for 10 staff:\n${ten.statements.join("\n")}`).toBe(one.count);
	});

	it("the loader gives each staff member their own hours, overrides and time off", async () => {
		const now = Date.now();
		const added = await addStaff(now);
		const schedules = await merchantSchedules(db(), RIVAL.merchantId, { from: "2000-01-01", to: "2999-12-31" }, { from: now, to: now + 365 * DAY_MS });
		for (const member of added) {
			const schedule = schedules.get(member.id);
			expect(schedule?.hours.map((h) => `${h.weekday} ${h.startTime}-${h.endTime}`)).toEqual([`1 ${member.start}-18:00`]);
			expect(schedule?.overrides.map((o) => o.date)).toEqual([member.date]);
			expect(schedule?.timeOff.map((t) => t.reason)).toEqual([`away ${member.id}`]);
		}
		// Rita has time off and no hours; the demo merchant's staff are not the rival's.
		expect(schedules.get(RIVAL.staffId)?.timeOff.map((t) => t.id)).toEqual([RIVAL.timeOffId]);
		expect(schedules.get(RIVAL.staffId)?.hours).toEqual([]);
		expect(schedules.has("stf_demo_ana")).toBe(false);
		expect(schedules.size).toBe(10);
	});
});
