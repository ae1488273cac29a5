import { beforeEach, describe, expect, it } from "vitest";
import { RIVAL, adminWorld, call, expectHidden, fieldsOf } from "./support";
import type { AdminWorld } from "./support";

interface ServiceJson {
	id: string;
	name: string;
	color: string;
	durationMinutes: number;
	price: { amountCents: number; currency: string } | null;
	requiredResourceType: string | null;
	active: boolean;
	staffIds: string[];
}

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

describe("admin services", () => {
	it("creates, reads, updates and deactivates a service with its staff", async () => {
		const created = await call<{ service: ServiceJson }>(world, world.owner, "POST", "/services", {
			name: "Beard trim",
			durationMinutes: 20,
			color: "#AABBCC",
			price: { amountCents: 1500, currency: "EUR" },
			requiredResourceType: "room",
			staffIds: ["stf_demo_ana", "stf_demo_ben"],
		});
		expect(created.status).toBe(201);
		const id = created.body.service.id;
		expect(created.body.service).toMatchObject({ name: "Beard trim", color: "#aabbcc", requiredResourceType: "room", active: true });
		expect(created.body.service.staffIds.sort()).toEqual(["stf_demo_ana", "stf_demo_ben"]);

		const updated = await call<{ service: ServiceJson }>(world, world.owner, "PATCH", `/services/${id}`, {
			durationMinutes: 25,
			price: null,
			staffIds: ["stf_demo_chloe"],
		});
		expect(updated.status).toBe(200);
		expect(updated.body.service).toMatchObject({ name: "Beard trim", durationMinutes: 25, price: null, staffIds: ["stf_demo_chloe"] });

		const removed = await call<{ service: ServiceJson }>(world, world.owner, "DELETE", `/services/${id}`);
		expect(removed.body.service.active).toBe(false);
		const list = await call<{ services: ServiceJson[] }>(world, world.owner, "GET", "/services");
		expect(list.body.services.find((s) => s.id === id)?.active).toBe(false);
		expect(list.body.services.map((s) => s.id)).not.toContain(RIVAL.serviceId);
		const fetched = await call<{ service: ServiceJson }>(world, world.owner, "GET", `/services/svc_demo_massage`);
		expect(fetched.body.service.requiredResourceType).toBe("room");
	});

	it("names every invalid field", async () => {
		const bad = await call(world, world.owner, "POST", "/services", {
			name: "",
			durationMinutes: 0,
			color: "red",
			price: { amountCents: -1, currency: "euro" },
			colour: "#000000",
		});
		expect(bad.status).toBe(400);
		expect(fieldsOf(bad.body)).toEqual(["body", "body.color", "body.durationMinutes", "body.name", "body.price.amountCents", "body.price.currency"]);
		const patch = await call(world, world.owner, "PATCH", "/services/svc_demo_cut", { slotIntervalMinutes: 1.5 });
		expect(fieldsOf(patch.body)).toEqual(["body.slotIntervalMinutes"]);
	});

	it("hides another merchant's services and staff", async () => {
		expectHidden(await call(world, world.owner, "GET", `/services/${RIVAL.serviceId}`));
		expectHidden(await call(world, world.owner, "PATCH", `/services/${RIVAL.serviceId}`, { name: "mine now" }));
		expectHidden(await call(world, world.owner, "DELETE", `/services/${RIVAL.serviceId}`));
		expectHidden(await call(world, world.owner, "POST", "/services", { name: "X", durationMinutes: 30, color: "#000000", staffIds: [RIVAL.staffId] }));
		expectHidden(await call(world, world.owner, "PATCH", "/services/svc_demo_cut", { staffIds: [RIVAL.staffId] }));
		const rivalView = await call<{ services: ServiceJson[] }>(world, world.rival, "GET", "/services");
		expect(rivalView.body.services.map((s) => s.id)).toEqual([RIVAL.serviceId]);
		expect(rivalView.body.services[0]?.name).toBe("Rival cut");
	});

	it("lets staff read but not change the catalogue", async () => {
		expect((await call(world, world.staffMember, "GET", "/services")).status).toBe(200);
		expect((await call(world, world.staffMember, "POST", "/services", { name: "X", durationMinutes: 30, color: "#000000" })).status).toBe(403);
		expect((await call(world, world.staffMember, "PATCH", "/services/svc_demo_cut", { name: "Y" })).status).toBe(403);
		expect((await call(world, world.staffMember, "DELETE", "/services/svc_demo_cut")).status).toBe(403);
	});

	it("requires a session and the CSRF token", async () => {
		const anonymous = await world.h.request("/admin/api/services");
		expect(anonymous.status).toBe(401);
		const noToken = await call(world, { ...world.owner, csrfToken: "" }, "POST", "/services", { name: "X", durationMinutes: 30, color: "#000000" });
		expect(noToken.status).toBe(403);
		expect(JSON.stringify(noToken.body)).toMatch(/CSRF/);
		const list = await call<{ services: ServiceJson[] }>(world, world.owner, "GET", "/services");
		expect(list.body.services.some((s) => s.name === "X")).toBe(false);
	});
});
