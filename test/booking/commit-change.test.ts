// commitChange: an update guarded by a version that moved on changes nothing and says so; a series
// moves onto its own old times, and the database still refuses any overlap at the new ones.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { commitChange } from "../../src/booking/commit-change";
import { database } from "../../src/db/client";
import { ConflictError } from "../../src/errors";
import { bookDirectly, seedDemo } from "../support/demo";

beforeEach(async () => {
	await seedDemo();
});

async function series(count: number): Promise<string[]> {
	const views = await bookDirectly({ recurrence: count > 1 ? { frequency: "weekly", count } : null });
	return views.map((v) => v.id);
}

async function rows(ids: string[]) {
	const db = database(env.DB);
	return Promise.all(ids.map(async (id) => (await db.query.bookings.findFirst({ where: (b, { eq }) => eq(b.id, id) }))!));
}

async function outboxCount(): Promise<number> {
	return (await env.DB.prepare("select count(*) as n from outbox").first<{ n: number }>())?.n ?? -1;
}

describe("commitChange", () => {
	it("commits each row at its next version with one outbox message", async () => {
		const [row] = await rows(await series(1));
		await commitChange(database(env.DB), [{ ...row!, status: "cancelled", version: 2, updatedAt: Date.now() }], "cancelled");
		expect(await env.DB.prepare("select status, version from bookings where id = ?").bind(row!.id).first()).toEqual({ status: "cancelled", version: 2 });
		const messages = await env.DB.prepare("select merchant_id, version, change from outbox where booking_id = ? order by id").bind(row!.id).all();
		expect(messages.results).toEqual([
			{ merchant_id: "mer_demo", version: 1, change: "created" },
			{ merchant_id: "mer_demo", version: 2, change: "cancelled" },
		]);
	});

	it("refuses with 409 and changes nothing when any row changed after it was read", async () => {
		const [first, second] = await rows(await series(2));
		// Someone else changed the second occurrence in the meantime.
		await env.DB.prepare("update bookings set merchant_notes = 'edited', version = 2 where id = ?").bind(second!.id).run();
		const before = await outboxCount();
		const stale = [first!, second!].map((row) => ({ ...row, status: "cancelled" as const, version: row.version + 1, updatedAt: Date.now() }));
		const attempt = commitChange(database(env.DB), stale, "cancelled");
		await expect(attempt).rejects.toThrow(ConflictError);
		await expect(attempt).rejects.toMatchObject({ status: 409 });
		const now = await env.DB.prepare("select id, status, version, merchant_notes from bookings order by series_index").all();
		expect(now.results).toEqual([
			{ id: first!.id, status: "confirmed", version: 1, merchant_notes: null },
			{ id: second!.id, status: "confirmed", version: 2, merchant_notes: "edited" },
		]);
		expect(await outboxCount()).toBe(before);
	});

	it("moves a series onto times its own occurrences held until this change", async () => {
		const series3 = await rows(await series(3));
		const moved = shifted(series3, WEEK);
		await commitChange(database(env.DB), moved, "rescheduled");
		expect(await blocks()).toEqual(moved.map((row) => ({ id: row.id, block_start: row.blockStart, status: "confirmed", version: 2 })));
	});

	it("still refuses a series whose new times overlap each other or another booking, changing nothing", async () => {
		const series3 = await rows(await series(3));
		const before = await blocks();
		// The last two occurrences onto the same new time.
		const [first, second, third] = shifted(series3, WEEK);
		const collapsed = [first!, second!, { ...third!, startsAt: second!.startsAt, endsAt: second!.endsAt, blockStart: second!.blockStart, blockEnd: second!.blockEnd }];
		await expect(commitChange(database(env.DB), collapsed, "rescheduled")).rejects.toThrow(/booking_overlap/);
		// The last occurrence onto a booking outside the series (written past every check but the database's).
		const last = series3[2]!;
		await env.DB.prepare(
			"insert into bookings (id, merchant_id, service_id, staff_id, starts_at, ends_at, block_start, block_end, timezone, status, updated_at) values ('bkg_blocker', 'mer_demo', ?, ?, ?, ?, ?, ?, ?, 'confirmed', 0)",
		)
			.bind(last.serviceId, last.staffId, last.startsAt + WEEK, last.endsAt + WEEK, last.blockStart + WEEK, last.blockEnd + WEEK, last.timezone)
			.run();
		await expect(commitChange(database(env.DB), shifted(series3, WEEK), "rescheduled")).rejects.toThrow(/booking_overlap/);
		expect(await blocks()).toEqual(before);
	});
});

const WEEK = 7 * 24 * 3_600_000;

function shifted<T extends { startsAt: number; endsAt: number; blockStart: number; blockEnd: number; version: number }>(list: T[], by: number): T[] {
	return list.map((row) => ({ ...row, startsAt: row.startsAt + by, endsAt: row.endsAt + by, blockStart: row.blockStart + by, blockEnd: row.blockEnd + by, version: row.version + 1 }));
}

async function blocks() {
	return (await env.DB.prepare("select id, block_start, status, version from bookings where series_id is not null order by series_index").all()).results;
}
