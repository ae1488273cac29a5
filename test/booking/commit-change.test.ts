// commitChange, in the merchant's object: an update guarded by a version that moved on changes
// nothing and says so; each committed version gets exactly one outbox row; a series moves onto its
// own old times, and the storage still refuses any overlap at the new ones.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { commitChange } from "../../src/booking/change";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { ScheduleStore } from "../../src/booking/schedule-store";
import type { BookingRecord } from "../../src/booking/schedule-store";
import { ConflictError } from "../../src/errors";
import { bookDirectly } from "../support/demo";
import { seedDemo } from "../support/seed";

const WEEK = 7 * 24 * 3_600_000;

beforeEach(async () => {
	await seedDemo();
});

/** A booking (count 1) or a weekly series of `count`, as the object holds them. */
async function series(count: number): Promise<BookingRecord[]> {
	const views = await bookDirectly({ recurrence: count > 1 ? { frequency: "weekly", count } : null });
	return inObject((store) => views.map((view) => store.booking(view.id)!));
}

/** Runs `work` on the demo merchant's storage inside its object. */
function inObject<T>(work: (store: ScheduleStore, sql: SqlStorage) => T): Promise<T> {
	return runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance, state) => work(new ScheduleStore(state.storage), state.storage.sql));
}

/** What `work` threw, as plain data (it is inspected inside the object). */
function failure(work: () => void): { conflict: boolean; status?: number; message: string } | null {
	try {
		work();
		return null;
	} catch (error) {
		return { conflict: error instanceof ConflictError, ...(error instanceof ConflictError ? { status: error.status } : {}), message: error instanceof Error ? error.message : String(error) };
	}
}

function shifted(list: BookingRecord[], by: number): BookingRecord[] {
	return list.map((row) => ({ ...row, startsAt: row.startsAt + by, endsAt: row.endsAt + by, blockStart: row.blockStart + by, blockEnd: row.blockEnd + by, version: row.version + 1 }));
}

function blocks(sql: SqlStorage): Array<Record<string, SqlStorageValue>> {
	return sql.exec("select id, block_start, status, version from bookings where series_id is not null order by series_index").toArray();
}

describe("commitChange", () => {
	it("commits each row at its next version with one outbox message", async () => {
		const [row] = await series(1);
		const after = await inObject((store, sql) => {
			commitChange(store, [{ ...row!, status: "cancelled", version: 2, updatedAt: Date.now() }], "cancelled", Date.now());
			return {
				booking: sql.exec("select status, version from bookings where id = ?", row!.id).one(),
				outbox: sql.exec("select version, change from outbox where booking_id = ? order by id", row!.id).toArray(),
			};
		});
		expect(after.booking).toEqual({ status: "cancelled", version: 2 });
		expect(after.outbox).toEqual([
			{ version: 1, change: "created" },
			{ version: 2, change: "cancelled" },
		]);
	});

	it("refuses with 409 and changes nothing when any row changed after it was read", async () => {
		const [first, second] = await series(2);
		const result = await inObject((store, sql) => {
			// Someone else changed the second occurrence in the meantime.
			sql.exec("update bookings set merchant_notes = 'edited', version = 2 where id = ?", second!.id);
			const outboxBefore = sql.exec<{ n: number }>("select count(*) as n from outbox").one().n;
			const stale = [first!, second!].map((row): BookingRecord => ({ ...row, status: "cancelled", version: row.version + 1, updatedAt: Date.now() }));
			return {
				failure: failure(() => commitChange(store, stale, "cancelled", Date.now())),
				rows: sql.exec("select id, status, version, merchant_notes from bookings order by series_index").toArray(),
				outboxAdded: sql.exec<{ n: number }>("select count(*) as n from outbox").one().n - outboxBefore,
			};
		});
		expect(result.failure).toMatchObject({ conflict: true, status: 409 });
		expect(result.rows).toEqual([
			{ id: first!.id, status: "confirmed", version: 1, merchant_notes: null },
			{ id: second!.id, status: "confirmed", version: 2, merchant_notes: "edited" },
		]);
		expect(result.outboxAdded).toBe(0);
	});

	it("moves a series onto times its own occurrences held until this change, with one message per moved row", async () => {
		const series3 = await series(3);
		const moved = shifted(series3, WEEK);
		const after = await inObject((store, sql) => {
			commitChange(store, moved, "rescheduled", Date.now());
			return { blocks: blocks(sql), messages: sql.exec("select booking_id, version, change from outbox where change = 'rescheduled' order by id").toArray() };
		});
		expect(after.blocks).toEqual(moved.map((row) => ({ id: row.id, block_start: row.blockStart, status: "confirmed", version: 2 })));
		expect(after.messages).toEqual(moved.map((row) => ({ booking_id: row.id, version: 2, change: "rescheduled" })));
	});

	it("still refuses a series whose new times overlap each other or another booking, changing nothing", async () => {
		const series3 = await series(3);
		const result = await inObject((store, sql) => {
			const before = { blocks: blocks(sql), outbox: sql.exec<{ n: number }>("select count(*) as n from outbox").one().n };
			// The last two occurrences onto the same new time.
			const [first, second, third] = shifted(series3, WEEK);
			const collapsed = [first!, second!, { ...third!, startsAt: second!.startsAt, endsAt: second!.endsAt, blockStart: second!.blockStart, blockEnd: second!.blockEnd }];
			const onEachOther = failure(() => commitChange(store, collapsed, "rescheduled", Date.now()));
			// The last occurrence onto a booking outside the series (written past every check but the storage's).
			const last = series3[2]!;
			store.insertBooking({
				...last,
				id: "bkg_blocker",
				seriesId: null,
				seriesIndex: null,
				startsAt: last.startsAt + WEEK,
				endsAt: last.endsAt + WEEK,
				blockStart: last.blockStart + WEEK,
				blockEnd: last.blockEnd + WEEK,
				idempotencyKey: null,
			});
			const onAnother = failure(() => commitChange(store, shifted(series3, WEEK), "rescheduled", Date.now()));
			return { onEachOther, onAnother, before, after: { blocks: blocks(sql), outbox: sql.exec<{ n: number }>("select count(*) as n from outbox").one().n } };
		});
		expect(result.onEachOther?.message).toMatch(/booking_overlap/);
		expect(result.onAnother?.message).toMatch(/booking_overlap/);
		expect(result.after).toEqual(result.before);
	});
});
