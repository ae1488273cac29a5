// Applying a sync step (src/sync/busy-store.ts): D1 claims it (cursor and step, guarded by where the sync
// started), then one RPC hands its blocks to the merchant's object. When that RPC fails, the cursor
// is forgotten, so the next sync is a full one and nothing the failed step carried is lost.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { ExternalEvent, SyncResult } from "../../src/calendars/provider";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { applySyncResult, clearCalendarBlocks } from "../../src/sync/busy-store";
import type { BlockOwner } from "../../src/sync/feed-batch";
import { seedDemo } from "../support/seed";
import { blocksOf, book } from "./harness";

const CALENDAR = "cal_store";
const OWNER: BlockOwner = { merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana", timeZone: "Europe/Amsterdam" };
const HOUR = 3_600_000;
const BASE = Date.UTC(2030, 0, 7, 8);

beforeEach(async () => {
	await seedDemo({ owner: { password: null } });
	await env.DB.batch([
		env.DB.prepare("insert into calendar_connections (id, merchant_id, staff_id, provider, account_label, status, updated_at) values ('con_store', ?, 'stf_demo_ana', 'google', 'store@example.test', 'active', 0)").bind(DEMO_MERCHANT_ID),
		env.DB.prepare("insert into connection_calendars (id, connection_id, external_id, name, check_conflicts, sync_cursor) values (?, 'con_store', 'store@example.test', 'Store', 1, 'c0')").bind(CALENDAR),
	]);
});

function timed(id: string, hour: number, slotlineBookingId: string | null = null): ExternalEvent {
	return { id, slotlineBookingId, instances: [{ instanceId: id, start: BASE + hour * HOUR, end: BASE + (hour + 1) * HOUR, allDay: null, status: "confirmed", transparent: false, declined: false }] };
}

function result(changed: ExternalEvent[], full = false, removed: string[] = []): SyncResult {
	return { full, changed, removed, cursor: "unused", unreadable: [] };
}

async function calendarState(): Promise<{ sync_cursor: string | null; sync_step: number; sync_generation: number }> {
	const row = await env.DB.prepare("select sync_cursor, sync_step, sync_generation from connection_calendars where id = ?").bind(CALENDAR).first<{ sync_cursor: string | null; sync_step: number; sync_generation: number }>();
	if (row === null) throw new Error("calendar row gone");
	return row;
}

async function heldEvents(): Promise<string[]> {
	return (await blocksOf(CALENDAR)).map((b) => b.external_event_id);
}

/** The Worker's env with the merchant objects out of reach: every call to one fails, as an RPC to an object that cannot be reached does. */
function objectsUnreachable(): Env {
	const namespace = new Proxy(env.MERCHANT_SCHEDULE, {
		get(target, key): unknown {
			if (key === "get") return () => new Proxy({}, { get: () => () => Promise.reject(new Error("Durable Object unreachable")) });
			const value: unknown = Reflect.get(target, key);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	return { ...env, MERCHANT_SCHEDULE: namespace };
}

describe("applying a sync step", () => {
	it("claims the step in D1 and hands its blocks to the object; a stale sync from the same cursor changes nothing", async () => {
		const now = Date.now();
		expect(await applySyncResult(env, CALENDAR, OWNER, { cursor: "c0", generation: 0 }, result([timed("a", 0)]), "c1", now)).toEqual({ applied: true, blocks: 1 });
		expect(await calendarState()).toEqual({ sync_cursor: "c1", sync_step: 1, sync_generation: 0 });
		expect(await heldEvents()).toEqual(["a"]);
		// Another sync that read the calendar at c0 lost the race: not claimed, not applied.
		expect(await applySyncResult(env, CALENDAR, OWNER, { cursor: "c0", generation: 0 }, result([timed("b", 1)], true), "c1'", now)).toEqual({ applied: false, blocks: 0 });
		expect(await calendarState()).toEqual({ sync_cursor: "c1", sync_step: 1, sync_generation: 0 });
		expect(await heldEvents()).toEqual(["a"]);
	});

	it("forgets the cursor when the object cannot take the step, so the next sync is a full one that loses nothing", async () => {
		const now = Date.now();
		await applySyncResult(env, CALENDAR, OWNER, { cursor: "c0", generation: 0 }, result([timed("a", 0)]), "c1", now);
		// The step that adds b and removes a is claimed, but its RPC fails: the error reaches the queue (a retry).
		await expect(applySyncResult(objectsUnreachable(), CALENDAR, OWNER, { cursor: "c1", generation: 0 }, result([timed("b", 1)], false, ["a"]), "c2", now)).rejects.toThrow(
			/unreachable/,
		);
		expect(await calendarState()).toEqual({ sync_cursor: null, sync_step: 2, sync_generation: 0 });
		expect(await heldEvents()).toEqual(["a"]);
		// The retry starts without a cursor, which makes it a full sync: it replaces everything.
		expect(await applySyncResult(env, CALENDAR, OWNER, { cursor: null, generation: 0 }, result([timed("b", 1)], true), "c3", now)).toEqual({ applied: true, blocks: 1 });
		expect(await calendarState()).toEqual({ sync_cursor: "c3", sync_step: 3, sync_generation: 0 });
		expect(await heldEvents()).toEqual(["b"]);
	});

	it("skips the merchant's own booking events: the marker travels with the event, the object tells its own", async () => {
		const [own] = await book();
		const events = [timed("mine", 2, own?.id ?? null), timed("elsewhere", 3, "bkg_another_business")];
		expect(await applySyncResult(env, CALENDAR, OWNER, { cursor: "c0", generation: 0 }, result(events), "c1", Date.now())).toEqual({ applied: true, blocks: 1 });
		expect(await heldEvents()).toEqual(["elsewhere"]);
	});

	it("clearing moves the generation in D1 and empties the calendar in the object; a sync from before is refused", async () => {
		const now = Date.now();
		await applySyncResult(env, CALENDAR, OWNER, { cursor: "c0", generation: 0 }, result([timed("a", 0)]), "c1", now);
		await clearCalendarBlocks(env, DEMO_MERCHANT_ID, CALENDAR);
		expect(await calendarState()).toEqual({ sync_cursor: null, sync_step: 1, sync_generation: 1 });
		expect(await heldEvents()).toEqual([]);
		// A sync that read the calendar before the clear cannot claim: its generation is gone.
		expect(await applySyncResult(env, CALENDAR, OWNER, { cursor: null, generation: 0 }, result([timed("a", 0)], true), "c2", now)).toEqual({ applied: false, blocks: 0 });
		expect(await heldEvents()).toEqual([]);
	});
});
