// Where a service takes place (issue 18 item 1) in the admin: a service's place, a staff member's own
// place, the business address, and the places refused when saved (422 naming the field and the reason).
import { beforeEach, describe, expect, it } from "vitest";
import { calendarConnections } from "../../src/db/schema";
import { db } from "../auth/harness";
import { adminWorld, call } from "./support";
import type { AdminWorld, Problem } from "./support";

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

const newService = (place: unknown, staffIds = ["stf_demo_ana"]) => ({ name: "Video call", durationMinutes: 30, color: "#123456", staffIds, place });

/** A connection row of `staffId` (null: the business's). */
async function connect(staffId: string | null, provider: "google" | "microsoft" | "zoom", status: "active" | "disconnected" = "active"): Promise<void> {
	await db()
		.insert(calendarConnections)
		.values({ id: `con_${staffId ?? "business"}_${provider}_${status}`, merchantId: "mer_demo", staffId, provider, accountLabel: `${staffId ?? "business"}@${provider}.test`, status, updatedAt: Date.now() });
}

function expectRefused(result: { status: number; body: unknown }, field: string, reason: RegExp): void {
	expect(result.status).toBe(422);
	const problem = result.body as Problem;
	// One error per staff member who cannot host it, each on the field.
	expect([...new Set(problem.errors?.map((e) => e.field))]).toEqual([field]);
	expect(problem.errors?.map((e) => e.message).join("\n")).toMatch(reason);
	expect(problem.detail).toMatch(reason);
}

describe("a service's place", () => {
	it("is at the business address unless told, and keeps each kind with its own field", async () => {
		const plain = await call<{ service: { place: unknown } }>(world, world.owner, "POST", "/services", { name: "Trim", durationMinutes: 20, color: "#123456" });
		expect(plain.status).toBe(201);
		expect(plain.body.service.place).toEqual({ kind: "in_person_business" });
		for (const place of [
			{ kind: "in_person_address", address: "Herengracht 5, Amsterdam" },
			{ kind: "phone_customer_calls", phone: "+31 20 123 4567" },
			{ kind: "phone_staff_calls" },
			{ kind: "fixed_link", url: "https://meet.example.com/room-42" },
		]) {
			const created = await call<{ service: { id: string; place: unknown } }>(world, world.owner, "POST", "/services", newService(place));
			expect(created.status, place.kind).toBe(201);
			expect(created.body.service.place).toEqual(place);
			const read = await call<{ service: { place: unknown } }>(world, world.owner, "GET", `/services/${created.body.service.id}`);
			expect(read.body.service.place).toEqual(place);
		}
		const moved = await call<{ service: { place: unknown } }>(world, world.owner, "PATCH", "/services/svc_demo_cut", { place: { kind: "phone_staff_calls" } });
		expect(moved.body.service.place).toEqual({ kind: "phone_staff_calls" });
	});

	it("names a malformed place as a bad request: an unknown kind, a kind without its field, another kind's field", async () => {
		for (const place of [{ kind: "carrier_pigeon" }, { kind: "in_person_address" }, { kind: "google_meet", url: "https://x.test" }]) {
			const bad = await call<Problem>(world, world.owner, "POST", "/services", newService(place));
			expect(bad.status, JSON.stringify(place)).toBe(400);
			expect(bad.body.errors?.every((e) => e.field.startsWith("body.place")), JSON.stringify(bad.body.errors)).toBe(true);
		}
	});

	it("refuses a fixed link that is not https", async () => {
		for (const url of ["http://meet.example.com/room", "meet.example.com/room", "javascript:alert(1)", "https://user:pw@meet.example.com/"]) {
			expectRefused(await call(world, world.owner, "POST", "/services", newService({ kind: "fixed_link", url })), "body.place.url", /https/);
		}
		expectRefused(await call(world, world.owner, "PATCH", "/services/svc_demo_cut", { place: { kind: "fixed_link", url: "http://x.test/" } }), "body.place.url", /https/);
	});

	it("refuses Google Meet while a staff member who offers it has no Google calendar connection, and takes it once they have", async () => {
		expectRefused(await call(world, world.owner, "POST", "/services", newService({ kind: "google_meet" })), "body.place.kind", /Google Meet needs a Google calendar connection for Ana Jansen/);
		// A Microsoft connection, or a Google one that was disconnected, is no Google calendar.
		await connect("stf_demo_ana", "microsoft");
		await connect("stf_demo_ben", "google", "disconnected");
		expectRefused(await call(world, world.owner, "POST", "/services", newService({ kind: "google_meet" }, ["stf_demo_ana", "stf_demo_ben"])), "body.place.kind", /Ana Jansen.*Ben Okafor|Ben Okafor.*Ana Jansen/s);
		await connect("stf_demo_ana", "google");
		const created = await call<{ service: { id: string; place: unknown } }>(world, world.owner, "POST", "/services", newService({ kind: "google_meet" }));
		expect(created.status).toBe(201);
		expect(created.body.service.place).toEqual({ kind: "google_meet" });
		// Adding someone without one to the Meet service is refused on the field that changed.
		expectRefused(await call(world, world.owner, "PATCH", `/services/${created.body.service.id}`, { staffIds: ["stf_demo_ana", "stf_demo_chloe"] }), "body.staffIds", /Chloé Martin/);
		// So is offering it from the staff side.
		expectRefused(await call(world, world.owner, "PATCH", "/staff/stf_demo_chloe", { serviceIds: [created.body.service.id] }), "body.serviceIds", /Google Meet needs a Google calendar connection for Chloé Martin/);
	});

	it("refuses Microsoft Teams without a Microsoft calendar connection", async () => {
		await connect("stf_demo_ana", "google");
		expectRefused(await call(world, world.owner, "POST", "/services", newService({ kind: "microsoft_teams" })), "body.place.kind", /Microsoft Teams needs a Microsoft calendar connection for Ana Jansen/);
		expectRefused(await call(world, world.owner, "PATCH", "/services/svc_demo_consult", { place: { kind: "microsoft_teams" } }), "body.place.kind", /Microsoft Teams needs a Microsoft/);
		await connect("stf_demo_ana", "microsoft");
		expect((await call(world, world.owner, "POST", "/services", newService({ kind: "microsoft_teams" }))).status).toBe(201);
	});

	it("refuses Zoom for a staff member without a Zoom host (their own, or the business's), and takes it once there is one", async () => {
		expectRefused(await call(world, world.owner, "POST", "/services", newService({ kind: "zoom" })), "body.place.kind", /Zoom needs a Zoom connection for Ana Jansen or the business/);
		expectRefused(await call(world, world.owner, "PATCH", "/staff/stf_demo_ben", { place: { kind: "zoom" } }), "body.place.kind", /Zoom needs a Zoom connection for Ben Okafor/);
		// A disconnected Zoom hosts nothing, and a calendar is no Zoom.
		await connect("stf_demo_ana", "zoom", "disconnected");
		await connect("stf_demo_ana", "google");
		expectRefused(await call(world, world.owner, "POST", "/services", newService({ kind: "zoom" })), "body.place.kind", /Ana Jansen/);
		// Her own Zoom hosts her meetings.
		await connect("stf_demo_ana", "zoom");
		const created = await call<{ service: { id: string; place: unknown } }>(world, world.owner, "POST", "/services", newService({ kind: "zoom" }));
		expect(created.status).toBe(201);
		expect(created.body.service.place).toEqual({ kind: "zoom" });
		// Ben has none: adding him is refused on the field that changed.
		expectRefused(await call(world, world.owner, "PATCH", `/services/${created.body.service.id}`, { staffIds: ["stf_demo_ana", "stf_demo_ben"] }), "body.staffIds", /Ben Okafor/);
		// The business's Zoom hosts everyone without their own.
		await connect(null, "zoom");
		expect((await call(world, world.owner, "PATCH", `/services/${created.body.service.id}`, { staffIds: ["stf_demo_ana", "stf_demo_ben"] })).status).toBe(200);
		expect((await call(world, world.owner, "PATCH", "/staff/stf_demo_ben", { place: { kind: "zoom" } })).status).toBe(200);
	});

	it("checks the place a staff member hosts: their own place stands in for the service's", async () => {
		// Ana works from home by phone: a Meet service she offers is hers by phone, so it needs no Google calendar of hers.
		const own = await call<{ staff: { place: unknown } }>(world, world.owner, "PATCH", "/staff/stf_demo_ana", { place: { kind: "phone_customer_calls", phone: "+31 6 1234 5678" } });
		expect(own.status).toBe(200);
		expect(own.body.staff.place).toEqual({ kind: "phone_customer_calls", phone: "+31 6 1234 5678" });
		expect((await call(world, world.owner, "POST", "/services", newService({ kind: "google_meet" }))).status).toBe(201);
		// Back to each service's place: now she would host Meet without a Google calendar.
		expectRefused(await call(world, world.owner, "PATCH", "/staff/stf_demo_ana", { place: null }), "body.place.kind", /Google Meet needs a Google calendar connection for Ana Jansen/);
		expectRefused(await call(world, world.owner, "PATCH", "/staff/stf_demo_ana", { place: { kind: "google_meet" } }), "body.place.kind", /Ana Jansen/);
		const listed = await call<{ staff: Array<{ id: string; place: unknown }> }>(world, world.owner, "GET", "/staff");
		expect(listed.body.staff.find((m) => m.id === "stf_demo_ben")?.place).toBeNull();
		const added = await call<{ staff: { place: unknown } }>(world, world.owner, "POST", "/staff", {
			name: "Dana Elsewhere",
			email: "dana@demo.test",
			timezone: "Europe/Amsterdam",
			color: "#333333",
			place: { kind: "in_person_address", address: "Branch: Damrak 1" },
		});
		expect(added.status).toBe(201);
		expect(added.body.staff.place).toEqual({ kind: "in_person_address", address: "Branch: Damrak 1" });
	});
});

describe("the business address", () => {
	it("is set, read and cleared in the business settings", async () => {
		const set = await call<{ settings: { address: string | null } }>(world, world.owner, "PATCH", "/settings", { address: "  Keizersgracht 1, Amsterdam " });
		expect(set.status).toBe(200);
		expect(set.body.settings.address).toBe("Keizersgracht 1, Amsterdam");
		expect((await call<{ settings: { address: string | null } }>(world, world.owner, "GET", "/settings")).body.settings.address).toBe("Keizersgracht 1, Amsterdam");
		expect((await call<{ settings: { address: string | null } }>(world, world.owner, "PATCH", "/settings", { name: "Renamed" })).body.settings.address).toBe("Keizersgracht 1, Amsterdam");
		expect((await call<{ settings: { address: string | null } }>(world, world.owner, "PATCH", "/settings", { address: null })).body.settings.address).toBeNull();
	});
});
