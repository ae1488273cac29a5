// `npm start`'s seed (POST /_dev/seed): the demo merchant is created once, and a restart neither adds
// rows nor undoes what the merchant's admin changed since.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { verifyPassword } from "../../src/auth/password";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { postJson } from "../support/demo";

// The demo staff's sandbox accounts have fixed addresses, and the shared sandbox keeps their calendars
// across tests while the database is emptied: events of an earlier seed's bookings (unknown ids now) would
// block the new seed's times like any other business's events. Worker files run one at a time, so a reset
// here disturbs no other test.
beforeEach(async () => {
	const reset = await fetch(`${inject("sandboxUrl")}/_control/reset`, { method: "POST" });
	expect(reset.ok).toBe(true);
});

const TABLES = ["merchants", "staff", "services", "staff_services", "working_hours", "resources", "users", "memberships", "customers", "bookings", "outbox"];

async function seed(body: Record<string, unknown>): Promise<{ merchantCreated: boolean; ownerCreated: boolean; bookingsCreated: number; calendarsConnected: unknown[] }> {
	const res = await postJson("/_dev/seed", body, { "x-seed-token": env.DEMO_SEED_TOKEN });
	expect(res.status).toBe(200);
	return res.json();
}

async function counts(): Promise<Record<string, number>> {
	const entries = await Promise.all(TABLES.map(async (table) => [table, (await env.DB.prepare(`select count(*) as n from ${table}`).first<{ n: number }>())?.n ?? -1] as const));
	return Object.fromEntries(entries);
}

async function ownerHash(): Promise<string> {
	return (await env.DB.prepare("select password_hash from users where email = 'owner@demo.slotline.test'").first<{ password_hash: string }>())?.password_hash ?? "";
}

describe("demo seed", () => {
	it("creates the demo once; seeding again adds nothing and keeps the admin's edits", { timeout: 60_000 }, async () => {
		const first = await seed({ ownerPassword: "first-password-1" });
		expect(first).toMatchObject({ merchantCreated: true, ownerCreated: true, bookingsCreated: 4 });
		const afterFirst = await counts();
		expect(afterFirst).toMatchObject({ merchants: 1, staff: 3, services: 4, resources: 2, bookings: 4 });

		expect(await seed({ ownerPassword: "first-password-1" })).toMatchObject({ merchantCreated: false, ownerCreated: false, bookingsCreated: 0 });
		expect(await counts()).toEqual(afterFirst);

		// The admin replaces Ana's hours (new ids, as PUT hours writes them), stops Ben offering
		// massages, retires a room and renames a service.
		await env.DB.batch([
			env.DB.prepare("delete from working_hours where staff_id = 'stf_demo_ana'"),
			env.DB.prepare("insert into working_hours (id, staff_id, weekday, start_time, end_time) values ('wh_admin_1', 'stf_demo_ana', 1, '08:00', '12:00')"),
			env.DB.prepare("delete from staff_services where staff_id = 'stf_demo_ben' and service_id = 'svc_demo_massage'"),
			env.DB.prepare("delete from resources where id = 'res_demo_room2'"),
			env.DB.prepare("update services set name = 'Cut & style' where id = 'svc_demo_cut'"),
		]);
		const edited = await counts();
		expect(await seed({ ownerPassword: "first-password-1" })).toMatchObject({ merchantCreated: false, bookingsCreated: 0 });
		expect(await counts()).toEqual(edited);
		const hours = await env.DB.prepare("select id from working_hours where staff_id = 'stf_demo_ana'").all<{ id: string }>();
		expect(hours.results.map((r) => r.id)).toEqual(["wh_admin_1"]);
		expect(await env.DB.prepare("select 1 from staff_services where staff_id = 'stf_demo_ben' and service_id = 'svc_demo_massage'").first()).toBeNull();
		expect(await env.DB.prepare("select 1 from resources where id = 'res_demo_room2'").first()).toBeNull();
		expect((await env.DB.prepare("select name from services where id = 'svc_demo_cut'").first<{ name: string }>())?.name).toBe("Cut & style");
		// The merchant's object, which loaded the setup for the first seed's bookings, was handed the edits too.
		const copy = await runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance, state) => ({
			hours: state.storage.sql.exec("select weekday, start_time, end_time from working_hours where staff_id = 'stf_demo_ana'").toArray(),
			service: state.storage.sql.exec("select name from services where id = 'svc_demo_cut'").one().name,
			rooms: state.storage.sql.exec("select id from resources order by id").toArray(),
		}));
		expect(copy).toEqual({ hours: [{ weekday: 1, start_time: "08:00", end_time: "12:00" }], service: "Cut & style", rooms: [{ id: "res_demo_room1" }] });
	});

	it("keeps the owner's password unless asked to reset it", { timeout: 60_000 }, async () => {
		await seed({ ownerPassword: "first-password-1" });
		const original = await ownerHash();
		await seed({ ownerPassword: "other-password-2" });
		expect(await ownerHash()).toBe(original);
		// npm start resets it once when its local state carries no known password.
		expect(await seed({ ownerPassword: "other-password-2", resetOwnerPassword: true })).toMatchObject({ ownerCreated: false });
		expect(await verifyPassword("other-password-2", await ownerHash())).toBe(true);
	});

	it("connects the demo calendars only when it creates the demo, and never undoes what an admin did to them", { timeout: 60_000 }, async () => {
		const sandboxUrl = inject("sandboxUrl");
		const first = await seed({ ownerPassword: "first-password-1", sandboxUrl });
		expect(first.calendarsConnected).toEqual([
			{ staffId: "stf_demo_ana", provider: "google", account: "ana@demo.slotline.test" },
			{ staffId: "stf_demo_ben", provider: "microsoft", account: "ben@demo.slotline.test" },
			{ staffId: "stf_demo_chloe", provider: "icloud", account: "chloe@demo.slotline.test" },
		]);
		const connections = async (): Promise<unknown[]> =>
			(await env.DB.prepare("select id, staff_id, provider, account_label, status, credentials from calendar_connections order by staff_id").all()).results;
		const calendars = async (): Promise<unknown[]> =>
			(await env.DB.prepare("select id, connection_id, is_write_target, check_conflicts from connection_calendars order by id").all()).results;
		// Background syncs of the first seed keep logging, so only connects are counted.
		const connects = async (): Promise<unknown[]> => (await env.DB.prepare("select connection_id, operation from connection_log where operation in ('connect', 'reconnect') order by id").all()).results;

		// The admin disconnects Ana's calendar and tells Ben's to stop writing and checking.
		await env.DB.batch([
			env.DB.prepare("update calendar_connections set status = 'disconnected', credentials = null where staff_id = 'stf_demo_ana'"),
			env.DB.prepare("update connection_calendars set is_write_target = 0, check_conflicts = 0 where connection_id = (select id from calendar_connections where staff_id = 'stf_demo_ben')"),
		]);
		const [before, chosen, connected] = [await connections(), await calendars(), await connects()];
		expect(connected).toHaveLength(3);

		// `npm start` again: nothing reconnected, re-chosen or duplicated.
		expect(await seed({ ownerPassword: "first-password-1", sandboxUrl })).toMatchObject({ merchantCreated: false, calendarsConnected: [] });
		expect(await connections()).toEqual(before);
		expect(await calendars()).toEqual(chosen);
		expect(await connects()).toEqual(connected);
	});

	it("connects the demo calendars into an existing demo when asked to (the outbound benchmark books first)", { timeout: 60_000 }, async () => {
		const sandboxUrl = inject("sandboxUrl");
		expect(await seed({ ownerPassword: "first-password-1" })).toMatchObject({ merchantCreated: true, calendarsConnected: [] });
		const again = await seed({ ownerPassword: "first-password-1", sandboxUrl, connectCalendars: "always" });
		expect(again).toMatchObject({ merchantCreated: false });
		expect(again.calendarsConnected).toEqual([
			{ staffId: "stf_demo_ana", provider: "google", account: "ana@demo.slotline.test" },
			{ staffId: "stf_demo_ben", provider: "microsoft", account: "ben@demo.slotline.test" },
			{ staffId: "stf_demo_chloe", provider: "icloud", account: "chloe@demo.slotline.test" },
		]);
		const active = await env.DB.prepare("select count(*) as n from calendar_connections where status = 'active'").first<{ n: number }>();
		expect(active?.n).toBe(3);
	});

	it("names an unknown connectCalendars value", async () => {
		const res = await postJson("/_dev/seed", { ownerPassword: "first-password-1", connectCalendars: "sometimes" }, { "x-seed-token": env.DEMO_SEED_TOKEN });
		expect(res.status).toBe(400);
		expect(res.headers.get("content-type")).toContain("application/problem+json");
		expect(JSON.stringify(await res.json())).toContain("connectCalendars");
	});
});
