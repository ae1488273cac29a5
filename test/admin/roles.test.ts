// Roles on the admin's bookings: an owner manages every booking; staff see the whole calendar but add
// bookings (walk-ins included) only to their own column, and edit, move or cancel only their own
// bookings, never handing one to a colleague. The calendar page offers staff only those actions.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { memberships } from "../../src/db/schema";
import { db } from "../auth/harness";
import { at, upcoming } from "../support/demo";
import { flushSchedule } from "../support/schedule";
import { adminWorld, call, scheduleBookings } from "./support";
import type { AdminWorld } from "./support";

interface Booked {
	id: string;
	start: string;
	staff: { id: string };
	merchantNotes: string | null;
	series: { id: string } | null;
}

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

const tuesday = upcoming(2);

async function ownerBooks(body: Record<string, unknown>): Promise<Booked> {
	const res = await call<{ booking: Booked }>(world, world.owner, "POST", "/bookings", body);
	expect(res.status).toBe(201);
	return res.body.booking;
}

/** Status, start, staff and notes of a booking, straight from the merchant's object (which holds the bookings). */
async function row(id: string): Promise<unknown> {
	const booking = await merchantSchedule(env, "mer_demo").booking(id);
	return booking === null ? null : { status: booking.status, starts_at: booking.startsAt, staff_id: booking.staffId, merchant_notes: booking.merchantNotes };
}

describe("staff and owner rights on bookings", () => {
	it("staff add walk-ins and bookings to their own column only", async () => {
		const walkIn = await call<{ booking: Booked }>(world, world.staffMember, "POST", "/bookings", { serviceId: "svc_demo_consult", start: at(tuesday, "09:00") });
		expect(walkIn.status).toBe(201);
		// No staff member named: a staff member books themselves, not "whoever is free".
		expect(walkIn.body.booking.staff.id).toBe("stf_demo_ana");

		const forBen = await call(world, world.staffMember, "POST", "/bookings", { serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: at(tuesday, "11:00") });
		expect(forBen.status).toBe(403);
		expect(forBen.body).toMatchObject({ detail: expect.stringMatching(/own calendar/) });
		expect((await scheduleBookings()).filter((b) => b.staffId === "stf_demo_ben")).toHaveLength(0);

		// The owner books anyone.
		expect((await ownerBooks({ serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: at(tuesday, "11:00") })).staff.id).toBe("stf_demo_ben");
	});

	it("staff cannot note, move or cancel a colleague's booking; the owner can", async () => {
		const bens = await ownerBooks({ serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: at(tuesday, "11:00") });
		const before = await row(bens.id);
		const attempts = [
			call(world, world.staffMember, "PATCH", `/bookings/${bens.id}`, { merchantNotes: "mine now" }),
			call(world, world.staffMember, "POST", `/bookings/${bens.id}/reschedule`, { start: at(tuesday, "12:00") }),
			call(world, world.staffMember, "POST", `/bookings/${bens.id}/reschedule`, { start: at(tuesday, "12:00"), staffId: "stf_demo_ana" }),
			call(world, world.staffMember, "POST", `/bookings/${bens.id}/cancel`, { scope: "one" }),
		];
		for (const attempt of await Promise.all(attempts)) {
			expect(attempt.status).toBe(403);
			expect(attempt.body).toMatchObject({ type: "https://slotline.dev/problems/forbidden" });
		}
		expect(await row(bens.id)).toEqual(before);

		expect((await call(world, world.owner, "PATCH", `/bookings/${bens.id}`, { merchantNotes: "owner note" })).status).toBe(200);
		expect((await call(world, world.owner, "POST", `/bookings/${bens.id}/cancel`, { scope: "one" })).status).toBe(200);
	});

	it("staff manage their own bookings, but cannot hand one to a colleague", async () => {
		const mine = (await call<{ booking: Booked }>(world, world.staffMember, "POST", "/bookings", { serviceId: "svc_demo_cut", start: at(tuesday, "10:00") })).body.booking;
		expect((await call(world, world.staffMember, "PATCH", `/bookings/${mine.id}`, { merchantNotes: "regular" })).status).toBe(200);
		const toBen = await call(world, world.staffMember, "POST", `/bookings/${mine.id}/reschedule`, { start: at(tuesday, "15:00"), staffId: "stf_demo_ben" });
		expect(toBen.status).toBe(403);
		expect(toBen.body).toMatchObject({ detail: expect.stringMatching(/colleague/) });
		const moved = await call(world, world.staffMember, "POST", `/bookings/${mine.id}/reschedule`, { start: at(tuesday, "15:00"), staffId: "stf_demo_ana" });
		expect(moved.status).toBe(200);
		expect((await call(world, world.staffMember, "POST", `/bookings/${mine.id}/cancel`, { scope: "one" })).status).toBe(200);
		expect(await row(mine.id)).toMatchObject({ status: "cancelled", staff_id: "stf_demo_ana", merchant_notes: "regular" });
	});

	it("a series with a colleague's later occurrence can be changed by staff one booking at a time only", async () => {
		const first = await ownerBooks({ serviceId: "svc_demo_consult", staffId: "stf_demo_ana", start: at(tuesday, "10:00"), recurrence: { frequency: "weekly", count: 3 } });
		const occurrences = (await scheduleBookings()).filter((b) => b.seriesId === first.series?.id).sort((a, b) => (a.seriesIndex ?? 0) - (b.seriesIndex ?? 0));
		const third = occurrences[2]?.id ?? "";
		const thirdStart = at(tuesday.add({ days: 14 }), "11:00");
		expect((await call(world, world.owner, "POST", `/bookings/${third}/reschedule`, { start: thirdStart, staffId: "stf_demo_ben", scope: "one" })).status).toBe(200);

		const whole = await call(world, world.staffMember, "POST", `/bookings/${first.id}/cancel`, { scope: "series" });
		expect(whole.status).toBe(403);
		expect(await row(third)).toMatchObject({ status: "confirmed", staff_id: "stf_demo_ben" });
		expect((await call(world, world.staffMember, "POST", `/bookings/${first.id}/cancel`, { scope: "one" })).status).toBe(200);
	});

	it("a staff-role account without a staff record books nothing", async () => {
		await db().update(memberships).set({ staffId: null }).where(eq(memberships.userId, "usr_demo_ana"));
		const res = await call(world, world.staffMember, "POST", "/bookings", { serviceId: "svc_demo_consult", start: at(tuesday, "09:00") });
		expect(res.status).toBe(403);
		expect((await call(world, world.staffMember, "GET", `/bookings?from=${tuesday}&to=${tuesday}`)).status).toBe(200);
	});

	it("staff see a colleague's booking (time, service, customer name) but not the customer's contact details or notes; owners see all", async () => {
		const customer = { name: "Priya Shah", email: "priya.private@example.com", phone: "+31 6 5555 0101" };
		const bens = await ownerBooks({ serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: at(tuesday, "11:00"), customer, customerNotes: "Allergic to latex", merchantNotes: "Owes 20 euros" });
		const anas = await ownerBooks({ serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(tuesday, "14:00"), customer: { name: "Olga Berg", email: "ana.client@example.com", phone: null }, customerNotes: "Ana's own note", merchantNotes: "Ana's merchant note" });
		const secrets = ["priya.private@example.com", "+31 6 5555 0101", "Allergic to latex", "Owes 20 euros"];

		const listed = await call<{ bookings: Array<Record<string, unknown>> }>(world, world.staffMember, "GET", `/bookings?from=${tuesday}&to=${tuesday}`);
		expect(listed.status).toBe(200);
		const colleague = listed.body.bookings.find((b) => b["id"] === bens.id);
		expect(colleague).toMatchObject({ start: at(tuesday, "11:00"), service: { id: "svc_demo_cut", name: "Haircut" }, staff: { id: "stf_demo_ben" }, customer: { name: "Priya Shah" }, detailsHidden: true, customerNotes: null, merchantNotes: null });
		for (const secret of secrets) expect(JSON.stringify(listed.body)).not.toContain(secret);
		// Their own booking in full.
		expect(listed.body.bookings.find((b) => b["id"] === anas.id)).toMatchObject({ customer: { email: "ana.client@example.com" }, customerNotes: "Ana's own note", merchantNotes: "Ana's merchant note", detailsHidden: false });

		const single = await call(world, world.staffMember, "GET", `/bookings/${bens.id}`);
		expect(single.status).toBe(200);
		for (const secret of secrets) expect(JSON.stringify(single.body)).not.toContain(secret);

		// The calendar page carries its bookings as JSON for the island: the same rule there.
		const page = await (await world.h.request(`/admin/calendar?view=day&date=${tuesday}`, { browser: world.staffMember })).text();
		expect(page).toContain("Priya Shah");
		for (const secret of secrets) expect(page).not.toContain(secret);

		// The owner sees everything.
		const owners = await call<{ bookings: Array<Record<string, unknown>> }>(world, world.owner, "GET", `/bookings?from=${tuesday}&to=${tuesday}`);
		expect(owners.body.bookings.find((b) => b["id"] === bens.id)).toMatchObject({ customer: { email: "priya.private@example.com", phone: "+31 6 5555 0101" }, customerNotes: "Allergic to latex", merchantNotes: "Owes 20 euros", detailsHidden: false });
		const ownerPage = await (await world.h.request(`/admin/calendar?view=day&date=${tuesday}`, { browser: world.owner })).text();
		expect(ownerPage).toContain("priya.private@example.com");
	});

	it("staff booking with a colleague's customer's address neither rewrite that customer's record nor get its contact details back", async () => {
		const priya = { name: "Priya Shah", email: "priya.private@example.com", phone: "+31 6 5555 0101" };
		await ownerBooks({ serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: at(tuesday, "11:00"), customer: priya });
		const record = (): Promise<unknown> => env.DB.prepare("select name, phone from customers where email = ?").bind(priya.email).first();

		// Only the address: the answer must not fill in the phone on record.
		const probe = await call<{ booking: { id: string; customer: Record<string, unknown> } }>(world, world.staffMember, "POST", "/bookings", {
			serviceId: "svc_demo_cut",
			start: at(tuesday, "14:00"),
			customer: { name: "Walk In", email: priya.email.toUpperCase() },
		});
		expect(probe.status).toBe(201);
		expect(probe.body.booking.customer).toMatchObject({ name: "Walk In", email: priya.email, phone: null });
		// A new name and phone: the record keeps its own.
		const rewrite = await call<{ booking: { id: string; customer: Record<string, unknown> } }>(world, world.staffMember, "POST", "/bookings", {
			serviceId: "svc_demo_cut",
			start: at(tuesday, "16:00"),
			customer: { name: "Mallory", email: priya.email, phone: "+31 6 6666 6666" },
		});
		expect(rewrite.status).toBe(201);
		expect(rewrite.body.booking.customer).toMatchObject({ name: "Mallory", phone: "+31 6 6666 6666" });
		// The record is D1's, written from the object's outbox in the background.
		await flushSchedule();
		expect(await record()).toEqual({ name: "Priya Shah", phone: "+31 6 5555 0101" });

		// Nor do later reads of those bookings, on their own, in the list or on the calendar page.
		const reads = [
			await call(world, world.staffMember, "GET", `/bookings/${probe.body.booking.id}`),
			await call(world, world.staffMember, "GET", `/bookings?from=${tuesday}&to=${tuesday}`),
		];
		for (const read of reads) expect(JSON.stringify(read.body)).not.toContain(priya.phone);
		const page = await (await world.h.request(`/admin/calendar?view=day&date=${tuesday}`, { browser: world.staffMember })).text();
		expect(page).not.toContain(priya.phone);

		// The owner sees the record, and an owner's booking may still update it.
		const owners = await call<{ booking: { customer: Record<string, unknown> } }>(world, world.owner, "GET", `/bookings/${probe.body.booking.id}`);
		expect(owners.body.booking.customer).toMatchObject({ email: priya.email, phone: priya.phone });
		await ownerBooks({ serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: at(tuesday, "15:00"), customer: { ...priya, name: "Priya Shah-Berg", phone: "+31 6 5555 0202" } });
		await flushSchedule();
		expect(await record()).toEqual({ name: "Priya Shah-Berg", phone: "+31 6 5555 0202" });
	});

	it("the calendar page offers staff only their own column and read-only colleagues' bookings", async () => {
		await ownerBooks({ serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: at(tuesday, "11:00") });
		const configOf = async (browser: typeof world.owner): Promise<{ html: string; config: { bookableStaffIds: string[] } }> => {
			const html = await (await world.h.request(`/admin/calendar?view=day&date=${tuesday}`, { browser })).text();
			const json = /<script type="application\/json" id="slotline-admin">([^<]*)<\/script>/.exec(html)?.[1] ?? "{}";
			return { html, config: JSON.parse(json) as { bookableStaffIds: string[] } };
		};
		const staff = await configOf(world.staffMember);
		expect(staff.config.bookableStaffIds).toEqual(["stf_demo_ana"]);
		expect(staff.html).toMatch(/<button type="button" class="cell"[^>]*data-staff="stf_demo_ben" disabled=""/);
		expect(staff.html).not.toMatch(/<button type="button" class="cell"[^>]*data-staff="stf_demo_ana" disabled=""/);
		expect(staff.html).toContain("data-new-booking");

		const owner = await configOf(world.owner);
		expect(owner.config.bookableStaffIds).toEqual(expect.arrayContaining(["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe"]));
		expect(owner.html).not.toMatch(/class="cell"[^>]*disabled/);
	});
});
