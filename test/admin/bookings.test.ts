import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { BookingView, CreateBookingCommand } from "../../src/booking/commands";
import { createBooking } from "../../src/booking/create";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import type { MerchantSchedule } from "../../src/booking/merchant-schedule";
import { ScheduleStore } from "../../src/booking/schedule-store";
import { calendarConnections, connectionCalendars } from "../../src/db/schema";
import { db } from "../auth/harness";
import { at, bookDirectly, upcoming } from "../support/demo";
import { flushSchedule } from "../support/schedule";
import { adminWorld, call, fieldsOf, scheduleBookings } from "./support";
import type { AdminWorld } from "./support";

interface AdminBookingJson {
	id: string;
	status: string;
	start: string;
	end: string;
	timezone: string;
	walkIn: boolean;
	customer: { name: string; email: string; phone: string | null } | null;
	service: { id: string; name: string };
	staff: { id: string; name: string };
	customerNotes: string | null;
	merchantNotes: string | null;
	series: { id: string; index: number; frequency: string; count: number } | null;
	conflict: boolean;
	conflicts: Array<Record<string, unknown>>;
}

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

const tuesday = upcoming(2);

async function book(body: Record<string, unknown>, browser = world.owner): Promise<AdminBookingJson> {
	const res = await call<{ booking: AdminBookingJson }>(world, browser, "POST", "/bookings", body);
	if (res.status !== 201) throw new Error(`booking failed: ${res.status} ${JSON.stringify(res.body)}`);
	return res.body.booking;
}

async function listDay(day = tuesday.toString(), extra = ""): Promise<AdminBookingJson[]> {
	const res = await call<{ bookings: AdminBookingJson[] }>(world, world.owner, "GET", `/bookings?from=${day}&to=${day}${extra}`);
	expect(res.status).toBe(200);
	return res.body.bookings;
}

/** An external calendar event of Ana's, as inbound sync stores it: the connection in D1, its busy time in the merchant's object. */
async function externalBusy(start: string, end: string, tentative = false): Promise<void> {
	const id = crypto.randomUUID();
	await db().batch([
		db().insert(calendarConnections).values({ id: `con_${id}`, merchantId: "mer_demo", staffId: "stf_demo_ana", provider: "google", accountLabel: "ana@gmail.test", status: "active", updatedAt: 0 }),
		db().insert(connectionCalendars).values({ id: `cal_${id}`, connectionId: `con_${id}`, externalId: "primary", name: "Ana private", checkConflicts: true }),
	]);
	const fed = await merchantSchedule(env, "mer_demo").applyFeed({
		calendarId: `cal_${id}`,
		generation: 0,
		step: 1,
		staffId: "stf_demo_ana",
		full: false,
		events: [{ eventId: "evt-secret-title", marker: null, blocks: [{ instanceId: "evt-secret-title", start: Date.parse(start), end: Date.parse(end), allDay: false, tentative }] }],
		removed: [],
	});
	expect(fed).toEqual({ applied: true, blocks: 1 });
}

/**
 * Books in the demo merchant's object as a write does, but leaves its outbox unrelayed: D1's read
 * model does not have the booking (nor its customer) yet, as for a moment after every write.
 */
async function bookUnrelayed(overrides: Partial<CreateBookingCommand>): Promise<BookingView[]> {
	return runInDurableObject(merchantSchedule(env, "mer_demo"), async (instance: MerchantSchedule, state) => {
		await instance.refreshSetup();
		const store = new ScheduleStore(state.storage);
		const setup = store.setupState();
		if (setup === null) throw new Error("the demo merchant is not seeded");
		return createBooking(store, setup, {
			merchantId: "mer_demo",
			serviceId: "svc_demo_cut",
			staffId: "stf_demo_ana",
			start: Date.parse(at(tuesday, "10:00")),
			timezone: "Europe/Amsterdam",
			customer: null,
			userId: null,
			customerNotes: null,
			merchantNotes: null,
			recurrence: null,
			source: "admin",
			adminRole: "owner",
			idempotency: null,
			now: Date.now(),
			...overrides,
		});
	});
}

describe("admin bookings", () => {
	it("creates a booking and lists it with customer, service, staff and notes", async () => {
		const created = await book({
			serviceId: "svc_demo_cut",
			staffId: "stf_demo_ana",
			start: at(tuesday, "10:00"),
			timezone: "America/New_York",
			customer: { name: "Mia Klein", email: "MIA@example.com", phone: "+31 6 0000 0000" },
			customerNotes: "Fringe too",
			merchantNotes: "Regular",
		});
		expect(created).toMatchObject({ status: "confirmed", walkIn: false, timezone: "America/New_York", merchantNotes: "Regular" });
		const [listed, ...others] = await listDay();
		expect(others).toEqual([]);
		expect(listed).toMatchObject({
			id: created.id,
			start: at(tuesday, "10:00"),
			customer: { name: "Mia Klein", email: "mia@example.com", phone: "+31 6 0000 0000" },
			service: { id: "svc_demo_cut", name: "Haircut" },
			staff: { id: "stf_demo_ana", name: "Ana Jansen" },
			customerNotes: "Fringe too",
			series: null,
			conflict: false,
		});
		// A staff filter and a day without bookings.
		expect(await listDay(tuesday.toString(), "&staffId=stf_demo_ben")).toEqual([]);
		expect(await listDay(tuesday.add({ days: 1 }).toString())).toEqual([]);

		const edited = await call<{ booking: AdminBookingJson }>(world, world.owner, "PATCH", `/bookings/${created.id}`, { merchantNotes: "VIP" });
		expect(edited.body.booking.merchantNotes).toBe("VIP");
		expect((await call<{ booking: AdminBookingJson }>(world, world.owner, "GET", `/bookings/${created.id}`)).body.booking.merchantNotes).toBe("VIP");
	});

	it("shows the name typed on each booking, not the stored customer's", async () => {
		// A guest booking never rewrites the stored customer: the second one keeps "Mia Klein" on record.
		const [first] = await bookDirectly({ customer: { name: "Mia Klein", email: "mia@example.com", phone: null }, start: Date.parse(at(tuesday, "10:00")) });
		const [second] = await bookDirectly({ customer: { name: "Mia's sister Noor", email: "mia@example.com", phone: null }, start: Date.parse(at(tuesday, "14:00")) });
		const names = new Map((await listDay()).map((b) => [b.id, b.customer?.name]));
		expect(names.get(first?.id ?? "")).toBe("Mia Klein");
		expect(names.get(second?.id ?? "")).toBe("Mia's sister Noor");
		expect((await call<{ booking: AdminBookingJson }>(world, world.owner, "GET", `/bookings/${second?.id}`)).body.booking.customer?.name).toBe("Mia's sister Noor");
		// The pages say the same: the calendar, and the dashboard's upcoming list.
		const calendar = await (await world.h.request(`/admin/calendar?view=day&date=${tuesday}`, { browser: world.owner })).text();
		expect(calendar).toContain("Mia&#39;s sister Noor");
		const dashboard = await (await world.h.request("/admin", { browser: world.owner })).text();
		expect(dashboard).toContain("Mia&#39;s sister Noor");
	});

	it("books a walk-in off the grid and outside hours, but never into a conflict", async () => {
		const walkIn = await book({ serviceId: "svc_demo_consult", staffId: "stf_demo_ana", start: at(tuesday, "07:10") });
		expect(walkIn).toMatchObject({ walkIn: true, customer: null, timezone: "Europe/Amsterdam", start: at(tuesday, "07:10") });
		const clash = await call(world, world.owner, "POST", "/bookings", { serviceId: "svc_demo_consult", staffId: "stf_demo_ana", start: at(tuesday, "07:20") });
		expect(clash.status).toBe(409);
		expect(await listDay()).toHaveLength(1);
	});

	it("reschedules to another staff member", async () => {
		const created = await book({ serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(tuesday, "10:00"), customer: { name: "A", email: "a@example.com" } });
		const moved = await call<{ bookings: AdminBookingJson[] }>(world, world.owner, "POST", `/bookings/${created.id}/reschedule`, {
			start: at(tuesday, "11:00"),
			staffId: "stf_demo_ben",
		});
		expect(moved.status).toBe(200);
		expect(moved.body.bookings).toHaveLength(1);
		expect(moved.body.bookings[0]).toMatchObject({ id: created.id, start: at(tuesday, "11:00"), staff: { id: "stf_demo_ben", name: "Ben Okafor" } });
		expect((await listDay(tuesday.toString(), "&staffId=stf_demo_ben")).map((b) => b.id)).toEqual([created.id]);
		// Ana's time is free again; Ben's is not.
		await book({ serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(tuesday, "10:00") });
		const taken = await call(world, world.owner, "POST", "/bookings", { serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: at(tuesday, "11:00") });
		expect(taken.status).toBe(409);
	});

	it("creates a weekly series and cancels the whole series", async () => {
		const res = await call<{ booking: AdminBookingJson; occurrences: AdminBookingJson[] }>(world, world.owner, "POST", "/bookings", {
			serviceId: "svc_demo_consult",
			staffId: "stf_demo_ana",
			start: at(tuesday, "09:00"),
			customer: { name: "Series Sue", email: "sue@example.com" },
			recurrence: { frequency: "weekly", count: 3 },
		});
		expect(res.status).toBe(201);
		expect(res.body.occurrences.map((b) => b.series?.index)).toEqual([0, 1, 2]);
		expect(res.body.booking.series).toMatchObject({ frequency: "weekly", count: 3, index: 0 });
		const cancelled = await call<{ bookings: AdminBookingJson[] }>(world, world.owner, "POST", `/bookings/${res.body.booking.id}/cancel`, { scope: "series" });
		expect(cancelled.status).toBe(200);
		expect(cancelled.body.bookings.map((b) => b.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
		const lastDay = tuesday.add({ weeks: 2 }).toString();
		const all = await call<{ bookings: AdminBookingJson[] }>(world, world.owner, "GET", `/bookings?from=${tuesday}&to=${lastDay}`);
		expect(all.body.bookings.map((b) => b.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
	});

	it("cancels one occurrence without a body", async () => {
		const created = await book({ serviceId: "svc_demo_consult", staffId: "stf_demo_ana", start: at(tuesday, "09:00"), recurrence: { frequency: "weekly", count: 2 } });
		const res = await world.h.request(`/admin/api/bookings/${created.id}/cancel`, { method: "POST", browser: world.owner });
		expect(res.status).toBe(200);
		const body = await res.json<{ bookings: AdminBookingJson[] }>();
		expect(body.bookings.map((b) => b.id)).toEqual([created.id]);
		const later = await listDay(tuesday.add({ weeks: 1 }).toString());
		expect(later.map((b) => b.status)).toEqual(["confirmed"]);
	});

	it("flags bookings that external busy time overlaps, showing only times and the provider", async () => {
		const hit = await book({ serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(tuesday, "10:00") });
		const clear = await book({ serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(tuesday, "14:00") });
		const ben = await book({ serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: at(tuesday, "10:00") });
		// Synced in after the bookings were made (e.g. added in Ana's own Google calendar).
		await externalBusy(at(tuesday, "10:30"), at(tuesday, "11:30"));
		await externalBusy(at(tuesday, "12:00"), at(tuesday, "13:00"));

		const list = await listDay();
		const byId = new Map(list.map((b) => [b.id, b]));
		expect(byId.get(hit.id)?.conflict).toBe(true);
		expect(byId.get(hit.id)?.conflicts).toEqual([{ start: at(tuesday, "10:30"), end: at(tuesday, "11:30"), allDay: false, tentative: false, provider: "google" }]);
		expect(byId.get(clear.id)?.conflict).toBe(false);
		expect(byId.get(ben.id)?.conflict).toBe(false);
		expect(JSON.stringify(list)).not.toMatch(/evt-secret-title|Ana private|gmail/);

		const busy = await call<{ busy: Array<Record<string, unknown>> }>(world, world.owner, "GET", `/busy?from=${tuesday}&to=${tuesday}&staffId=stf_demo_ana`);
		expect(busy.status).toBe(200);
		// The same conflict from the block's side: it names the booking it overlaps (which it never cancels).
		expect(busy.body.busy).toEqual([
			{ staffId: "stf_demo_ana", start: at(tuesday, "10:30"), end: at(tuesday, "11:30"), allDay: false, tentative: false, provider: "google", conflict: true, conflictsWith: [hit.id] },
			{ staffId: "stf_demo_ana", start: at(tuesday, "12:00"), end: at(tuesday, "13:00"), allDay: false, tentative: false, provider: "google", conflict: false, conflictsWith: [] },
		]);
		expect((await call<{ busy: unknown[] }>(world, world.owner, "GET", `/busy?from=${tuesday}&to=${tuesday}&staffId=stf_demo_ben`)).body.busy).toEqual([]);
	});

	it("does not flag tentative busy time when the merchant lets tentative events through", async () => {
		const booking = await book({ serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(tuesday, "10:00") });
		await externalBusy(at(tuesday, "10:00"), at(tuesday, "10:30"), true);
		expect((await listDay())[0]?.conflict).toBe(true);
		await call(world, world.owner, "PATCH", "/settings", { tentativeBlocks: false });
		const [listed] = await listDay();
		expect(listed?.id).toBe(booking.id);
		expect(listed?.conflict).toBe(false);
	});

	it("reads the merchant's object, so a booking shows before D1's read model has it", async () => {
		const customer = { name: "Mia Klein", email: "mia@example.com", phone: "+31 6 0000 0000" };
		const [made] = await bookUnrelayed({ customer, recurrence: { frequency: "weekly", count: 2 } });
		const inReadModel = "select (select count(*) from bookings where merchant_id = 'mer_demo') + (select count(*) from customers where merchant_id = 'mer_demo') as n";
		expect(await env.DB.prepare(inReadModel).first()).toEqual({ n: 0 });

		const [listed, ...others] = await listDay();
		expect(others).toEqual([]);
		expect(listed).toMatchObject({ id: made?.id, customer, service: { id: "svc_demo_cut", name: "Haircut" }, staff: { id: "stf_demo_ana", name: "Ana Jansen" } });
		expect(listed?.series).toMatchObject({ index: 0, frequency: "weekly", count: 2 });
		// No customer record yet, so no id for it.
		expect(listed?.customer).not.toHaveProperty("id");
		expect((await call<{ booking: AdminBookingJson }>(world, world.owner, "GET", `/bookings/${made?.id}`)).body.booking).toMatchObject({ id: made?.id, customer });
		const calendar = await (await world.h.request(`/admin/calendar?view=day&date=${tuesday}`, { browser: world.owner })).text();
		expect(calendar).toContain(`data-booking="${made?.id}"`);
		expect(await (await world.h.request("/admin", { browser: world.owner })).text()).toContain("Mia Klein");

		// All of that was read while D1 still had nothing. Once relayed, the owner's view carries the customer record's id.
		expect(await env.DB.prepare(inReadModel).first()).toEqual({ n: 0 });
		await flushSchedule();
		const record = await env.DB.prepare("select id from customers where merchant_id = 'mer_demo' and email = ?").bind(customer.email).first<{ id: string }>();
		expect(record?.id).toMatch(/^cus_/);
		expect((await listDay())[0]?.customer).toEqual({ id: record?.id, ...customer });
	});

	it("counts a deactivated staff member's upcoming bookings from the merchant's object", async () => {
		await bookUnrelayed({ start: Date.parse(at(tuesday, "10:00")) });
		await bookUnrelayed({ start: Date.parse(at(tuesday.add({ days: 1 }), "11:00")) });
		await bookUnrelayed({ staffId: "stf_demo_ben", start: Date.parse(at(tuesday, "10:00")) });
		const deactivated = await call(world, world.owner, "DELETE", "/staff/stf_demo_ana");
		expect(deactivated.body).toMatchObject({ staff: { active: false }, upcomingBookings: 2 });
		const dashboard = await (await world.h.request("/admin", { browser: world.owner })).text();
		expect(dashboard).toMatch(/2 upcoming bookings are with Ana Jansen, who is no longer active/);
		expect(dashboard).toContain(`href="/admin/calendar?date=${tuesday}"`);
		expect(dashboard).not.toMatch(/with Ben Okafor, who is no longer active/);
	});

	it("names invalid fields", async () => {
		const bad = await call(world, world.owner, "POST", "/bookings", {
			serviceId: "",
			start: "10:00",
			timezone: "Nowhere",
			customer: { name: "", email: "x" },
			recurrence: { frequency: "daily", count: 1 },
		});
		expect(bad.status).toBe(400);
		expect(fieldsOf(bad.body)).toEqual([
			"body.customer.email",
			"body.customer.name",
			"body.recurrence.count",
			"body.recurrence.frequency",
			"body.serviceId",
			"body.start",
			"body.timezone",
		]);
		expect(fieldsOf((await call(world, world.owner, "GET", "/bookings?from=2026-13-01")).body)).toEqual(["query.from", "query.to"]);
		expect(fieldsOf((await call(world, world.owner, "GET", "/busy?from=2026-01-01&to=2026-06-01")).body)).toEqual(["query.to"]);
		expect(fieldsOf((await call(world, world.owner, "POST", "/bookings/bkg_x/reschedule", { scope: "all" })).body)).toEqual(["body.scope", "body.start"]);
		expect(fieldsOf((await call(world, world.owner, "PATCH", "/bookings/bkg_x", { merchantNotes: 5 })).body)).toEqual(["body.merchantNotes"]);
	});

	it("lets staff list and book, and refuses writes without the CSRF token", async () => {
		// Staff book into their own column (test/admin/roles.test.ts has the rest of the staff rules).
		await book({ serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(tuesday, "10:00") }, world.staffMember);
		const staffView = await call<{ bookings: AdminBookingJson[] }>(world, world.staffMember, "GET", `/bookings?from=${tuesday}&to=${tuesday}`);
		expect(staffView.status).toBe(200);
		expect(staffView.body.bookings).toHaveLength(1);

		const noToken = { ...world.owner, csrfToken: "" };
		const refused = await call(world, noToken, "POST", "/bookings", { serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(tuesday, "10:00") });
		expect(refused.status).toBe(403);
		const id = staffView.body.bookings[0]?.id ?? "";
		expect((await call(world, noToken, "POST", `/bookings/${id}/cancel`, {})).status).toBe(403);
		expect((await call(world, noToken, "PATCH", `/bookings/${id}`, { merchantNotes: "x" })).status).toBe(403);
		// The merchant's object, which holds the bookings, is unchanged.
		expect((await scheduleBookings()).map((b) => ({ status: b.status, merchantNotes: b.merchantNotes }))).toEqual([{ status: "confirmed", merchantNotes: null }]);
	});
});
