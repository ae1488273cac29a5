// A 409's alternatives are searched in the near days first and in the two weeks either side only when
// a slot there could be nearer (src/booking/plan.ts suggestions). Whatever the day looks like, the answer
// must be exactly what searching all the days gives: checked here on days filled at random, for one staff
// member and for "anyone", at starts from early morning to evening.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findAlternatives } from "../../src/availability";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import type { MerchantSchedule } from "../../src/booking/merchant-schedule";
import { scheduleAround, suggestions } from "../../src/booking/plan";
import { ScheduleStore } from "../../src/booking/schedule-store";
import type { PlanContext } from "../../src/booking/plan";
import { newId } from "../../src/ids";
import { Temporal } from "temporal-polyfill";
import { at } from "../support/demo";
import { seedDemo } from "../support/seed";

const MINUTE = 60_000;

/** The demo zone's date `days` from today. */
function daysAhead(days: number): Temporal.PlainDate {
	return Temporal.Now.plainDateISO("Europe/Amsterdam").add({ days });
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
		return state / 2_147_483_648;
	};
}

describe("alternatives searched near first", () => {
	it("are the same as searching every day, on days filled at random", { timeout: 60_000 }, async () => {
		await seedDemo();
		const mismatches = await runInDurableObject(merchantSchedule(env, "mer_demo"), async (instance: MerchantSchedule, state) => {
			await instance.refreshSetup();
			const store = new ScheduleStore(state.storage);
			const setup = store.setupState()!;
			// Around the clock, every day, so that the nearest free time can lie at any distance and on
			// either side (with office hours the near days nearly always hold the answer).
			state.storage.sql.exec("delete from working_hours");
			for (const member of store.offering("svc_demo_cut")) {
				for (let weekday = 1; weekday <= 7; weekday++) state.storage.sql.exec("insert into working_hours (staff_id, weekday, start_time, end_time) values (?, ?, '00:00', '24:00')", member.id, weekday);
			}
			const service = store.service("svc_demo_cut")!;
			const staff = store.offering(service.id);
			const now = Date.now();
			const next = random(20261206);
			const found: string[] = [];
			for (let round = 0; round < 16; round++) {
				// Each round fills the coming days afresh with 30-minute blocks of random staff: the days of
				// the requests from nine tenths full to nearly full, the days around them less so.
				state.storage.sql.exec("delete from bookings");
				const nearDensity = 0.9 + (round % 8) * 0.0135;
				const farDensity = round < 8 ? 0.5 : 0.9;
				for (let day = 1; day <= 9; day++) {
					for (let minute = 0; minute < 24 * 60; minute += 30) {
					for (const member of staff) {
						if (next() >= (day >= 3 && day <= 7 ? nearDensity : farDensity)) continue;
						const start = Date.parse(at(daysAhead(day), `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`));
						try {
							store.transaction(() =>
								store.insertBooking({
									id: newId("bkg"), serviceId: service.id, staffId: member.id, resourceId: null, customerEmail: null, customerName: null, customerPhone: null,
									userId: null, customerEntitled: false, startsAt: start, endsAt: start + 30 * MINUTE, blockStart: start, blockEnd: start + 30 * MINUTE,
									timezone: "Europe/Amsterdam", status: "confirmed", customerNotes: null, merchantNotes: null, walkIn: true, seriesId: null, seriesIndex: null,
									originalStartsAt: start, idempotencyKey: null, requestHash: null, version: 1, createdAt: now, updatedAt: now,
								}),
							);
						} catch {
							// Taken already: the storage refused the overlap, which is what it should do.
						}
					}
					}
				}
				const context: PlanContext = { store, setup, service, staff, timezone: "Europe/Amsterdam", now };
				for (const day of [4, 5, 6]) {
					for (const time of ["00:15", "08:00", "12:30", "17:45", "23:30"]) {
						const start = Date.parse(at(daysAhead(day), time));
						for (const staffId of [null, ...staff.map((member) => member.id)]) {
							const near = scheduleAround(context, [start]);
							const wide = findAlternatives(scheduleAround(context, [start], 14), start, staffId, 3).map((slot) => `${slot.start}/${slot.staffId}`);
							const got = suggestions(context, near, start, staffId).map((slot) => `${Date.parse(slot.start)}/${slot.staffId}`);
							if (JSON.stringify(got) !== JSON.stringify(wide)) found.push(`round ${round}, day ${day} ${time}, ${staffId ?? "anyone"}: ${got.join(",")} != ${wide.join(",")}`);
						}
					}
				}
			}
			return found;
		});
		expect(mismatches).toEqual([]);
	});
});
