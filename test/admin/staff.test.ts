import { beforeEach, describe, expect, it } from "vitest";
import { at, upcoming } from "../support/demo";
import { adminWorld, call, fieldsOf } from "./support";
import type { AdminWorld } from "./support";

interface StaffJson {
	id: string;
	name: string;
	email: string;
	timezone: string;
	color: string;
	position: number;
	active: boolean;
	serviceIds: string[];
}

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

describe("admin staff", () => {
	it("creates, reads, updates and deactivates a staff member", async () => {
		const created = await call<{ staff: StaffJson }>(world, world.owner, "POST", "/staff", {
			name: "Dana Diaz",
			email: "Dana@Example.com",
			timezone: "europe/lisbon",
			color: "#00FF00",
			serviceIds: ["svc_demo_cut"],
		});
		expect(created.status).toBe(201);
		const id = created.body.staff.id;
		// Goes after the three demo staff, with canonical zone, lower-cased email and colour.
		expect(created.body.staff).toMatchObject({ email: "dana@example.com", timezone: "Europe/Lisbon", color: "#00ff00", position: 3, active: true, serviceIds: ["svc_demo_cut"] });

		const updated = await call<{ staff: StaffJson }>(world, world.owner, "PATCH", `/staff/${id}`, { name: "Dana D.", position: 0, serviceIds: [] });
		expect(updated.body.staff).toMatchObject({ name: "Dana D.", position: 0, serviceIds: [], timezone: "Europe/Lisbon" });

		const removed = await call<{ staff: StaffJson }>(world, world.owner, "DELETE", `/staff/${id}`);
		expect(removed.body.staff.active).toBe(false);
		const list = await call<{ staff: StaffJson[] }>(world, world.owner, "GET", "/staff");
		expect(list.body.staff.map((s) => s.id)).toEqual(expect.arrayContaining(["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe", id]));
		expect(list.body.staff).toHaveLength(4);
		const ana = await call<{ staff: StaffJson }>(world, world.owner, "GET", "/staff/stf_demo_ana");
		expect(ana.body.staff.serviceIds.sort()).toEqual(["svc_demo_colour", "svc_demo_consult", "svc_demo_cut"]);
	});

	it("keeps the other calendar addresses the admin adds, lower-cased and once each, and names a bad one", async () => {
		const updated = await call<{ staff: StaffJson & { calendarAddresses: string[] } }>(world, world.owner, "PATCH", "/staff/stf_demo_ana", {
			calendarAddresses: ["Ana.Private@Example.com", "ana.private@example.com", "ana@work.example"],
		});
		expect(updated.status).toBe(200);
		expect(updated.body.staff.calendarAddresses).toEqual(["ana.private@example.com", "ana@work.example"]);
		const bad = await call(world, world.owner, "PATCH", "/staff/stf_demo_ana", { calendarAddresses: ["ana@work.example", "not an address"] });
		expect(bad.status).toBe(400);
		expect(fieldsOf(bad.body)).toEqual(["body.calendarAddresses.1"]);
		const read = await call<{ staff: { calendarAddresses: string[] } }>(world, world.owner, "GET", "/staff/stf_demo_ana");
		expect(read.body.staff.calendarAddresses).toEqual(["ana.private@example.com", "ana@work.example"]);
	});

	it("names invalid staff fields", async () => {
		const bad = await call(world, world.owner, "POST", "/staff", { name: " ", email: "nope", timezone: "Mars/Base", color: "green", position: -1 });
		expect(bad.status).toBe(400);
		expect(fieldsOf(bad.body)).toEqual(["body.color", "body.email", "body.name", "body.position", "body.timezone"]);
	});

	it("replaces the weekly hours and refuses bad or overlapping intervals", async () => {
		const hours = [
			{ weekday: 1, start: "09:00", end: "12:00" },
			{ weekday: 1, start: "12:00", end: "17:00" },
			{ weekday: 6, start: "10:00", end: "24:00" },
		];
		const put = await call<{ hours: typeof hours; timezone: string }>(world, world.owner, "PUT", "/staff/stf_demo_ana/hours", { hours });
		expect(put.status).toBe(200);
		expect(put.body.hours).toEqual(hours);
		const got = await call<{ hours: typeof hours }>(world, world.owner, "GET", "/staff/stf_demo_ana/hours");
		expect(got.body.hours).toEqual(hours);

		const bad = await call(world, world.owner, "PUT", "/staff/stf_demo_ana/hours", {
			hours: [
				{ weekday: 2, start: "9:00", end: "12:00" },
				{ weekday: 2, start: "13:00", end: "12:30" },
				{ weekday: 3, start: "09:00", end: "13:00" },
				{ weekday: 3, start: "12:00", end: "14:00" },
				{ weekday: 8, start: "09:00", end: "10:00" },
			],
		});
		expect(bad.status).toBe(400);
		expect(fieldsOf(bad.body)).toEqual(["body.hours.0.start", "body.hours.1.end", "body.hours.3.start", "body.hours.4.weekday"]);
		// Nothing was replaced.
		expect((await call<{ hours: unknown[] }>(world, world.owner, "GET", "/staff/stf_demo_ana/hours")).body.hours).toEqual(hours);
	});

	it("puts, lists and deletes date overrides", async () => {
		const day = upcoming(1).toString();
		const next = upcoming(1).add({ days: 1 }).toString();
		const closed = await call<{ override: unknown }>(world, world.owner, "PUT", `/staff/stf_demo_ana/overrides/${day}`, { closed: true });
		expect(closed.body.override).toEqual({ date: day, closed: true, intervals: [] });
		await call(world, world.owner, "PUT", `/staff/stf_demo_ana/overrides/${next}`, { intervals: [{ start: "08:00", end: "10:00" }] });
		const changed = await call<{ override: unknown }>(world, world.owner, "PUT", `/staff/stf_demo_ana/overrides/${next}`, {
			intervals: [{ start: "07:00", end: "09:00" }],
		});
		expect(changed.body.override).toEqual({ date: next, closed: false, intervals: [{ start: "07:00", end: "09:00" }] });
		const list = await call<{ overrides: Array<{ date: string }> }>(world, world.owner, "GET", `/staff/stf_demo_ana/overrides?from=${day}&to=${next}`);
		expect(list.body.overrides.map((o) => o.date)).toEqual([day, next]);

		const removed = await world.h.request(`/admin/api/staff/stf_demo_ana/overrides/${day}`, { method: "DELETE", browser: world.owner });
		expect(removed.status).toBe(204);
		const after = await call<{ overrides: Array<{ date: string }> }>(world, world.owner, "GET", `/staff/stf_demo_ana/overrides?from=${day}&to=${next}`);
		expect(after.body.overrides.map((o) => o.date)).toEqual([next]);
		expect((await call(world, world.owner, "DELETE", `/staff/stf_demo_ana/overrides/${day}`)).status).toBe(404);

		const badDate = await call(world, world.owner, "PUT", "/staff/stf_demo_ana/overrides/2026-02-30", { closed: true });
		expect(fieldsOf(badDate.body)).toEqual(["path.date"]);
		const bad = await call(world, world.owner, "PUT", `/staff/stf_demo_ana/overrides/${day}`, {
			closed: true,
			intervals: [
				{ start: "08:00", end: "10:00" },
				{ start: "09:00", end: "11:00" },
			],
		});
		expect(fieldsOf(bad.body)).toEqual(["body.intervals", "body.intervals.1.start"]);
		const badRange = await call(world, world.owner, "GET", `/staff/stf_demo_ana/overrides?from=${next}&to=${day}`);
		expect(fieldsOf(badRange.body)).toEqual(["query.to"]);
	});

	it("creates, lists and deletes time off", async () => {
		const day = upcoming(2);
		const created = await call<{ timeOff: { id: string; start: string; end: string; reason: string } }>(world, world.owner, "POST", "/staff/stf_demo_ana/time-off", {
			start: at(day, "13:00"),
			end: at(day, "15:00"),
			reason: "Dentist",
		});
		expect(created.status).toBe(201);
		expect(created.body.timeOff).toMatchObject({ start: at(day, "13:00"), reason: "Dentist" });
		const list = await call<{ timeOff: Array<{ id: string }> }>(world, world.owner, "GET", `/staff/stf_demo_ana/time-off?from=${day}&to=${day}`);
		expect(list.body.timeOff.map((t) => t.id)).toEqual([created.body.timeOff.id]);
		const otherDay = day.add({ days: 1 }).toString();
		expect((await call<{ timeOff: unknown[] }>(world, world.owner, "GET", `/staff/stf_demo_ana/time-off?from=${otherDay}&to=${otherDay}`)).body.timeOff).toEqual([]);

		const removed = await world.h.request(`/admin/api/staff/stf_demo_ana/time-off/${created.body.timeOff.id}`, { method: "DELETE", browser: world.owner });
		expect(removed.status).toBe(204);
		expect((await call<{ timeOff: unknown[] }>(world, world.owner, "GET", `/staff/stf_demo_ana/time-off?from=${day}&to=${day}`)).body.timeOff).toEqual([]);

		const bad = await call(world, world.owner, "POST", "/staff/stf_demo_ana/time-off", { start: at(day, "15:00"), end: at(day, "13:00") });
		expect(fieldsOf(bad.body)).toEqual(["body.end"]);
		const notInstants = await call(world, world.owner, "POST", "/staff/stf_demo_ana/time-off", { start: "tomorrow", end: day.toString() });
		expect(fieldsOf(notInstants.body)).toEqual(["body.end", "body.start"]);
	});

	it("lets staff read staff and hours but not change them", async () => {
		expect((await call(world, world.staffMember, "GET", "/staff")).status).toBe(200);
		expect((await call(world, world.staffMember, "GET", "/staff/stf_demo_ben/hours")).status).toBe(200);
		expect((await call(world, world.staffMember, "POST", "/staff", { name: "X", email: "x@example.com", timezone: "UTC", color: "#000000" })).status).toBe(403);
		expect((await call(world, world.staffMember, "PATCH", "/staff/stf_demo_ana", { name: "Me" })).status).toBe(403);
		expect((await call(world, world.staffMember, "DELETE", "/staff/stf_demo_ben")).status).toBe(403);
		expect((await call(world, world.staffMember, "PUT", "/staff/stf_demo_ana/hours", { hours: [] })).status).toBe(403);
		expect((await call(world, world.staffMember, "PUT", `/staff/stf_demo_ana/overrides/${upcoming(1)}`, { closed: true })).status).toBe(403);
		const day = upcoming(2);
		expect((await call(world, world.staffMember, "POST", "/staff/stf_demo_ana/time-off", { start: at(day, "13:00"), end: at(day, "15:00") })).status).toBe(403);
		expect((await call<{ hours: unknown[] }>(world, world.owner, "GET", "/staff/stf_demo_ana/hours")).body.hours).toHaveLength(10);
	});
});
