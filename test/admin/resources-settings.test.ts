import { beforeEach, describe, expect, it } from "vitest";
import { api } from "../support/demo";
import { adminWorld, call, fieldsOf } from "./support";
import type { AdminWorld } from "./support";

interface ResourceJson {
	id: string;
	name: string;
	type: string;
	active: boolean;
}
interface SettingsJson {
	name: string;
	slug: string;
	address: string | null;
	timezone: string;
	brandColor: string;
	tentativeBlocks: boolean;
	signIn: { google: boolean; facebook: boolean; password: boolean };
}

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

describe("admin resources", () => {
	it("creates, updates, deactivates and lists rooms", async () => {
		const created = await call<{ resource: ResourceJson }>(world, world.owner, "POST", "/resources", { name: "Room 3", type: "room" });
		expect(created.status).toBe(201);
		const id = created.body.resource.id;
		const renamed = await call<{ resource: ResourceJson }>(world, world.owner, "PATCH", `/resources/${id}`, { name: "Garden room" });
		expect(renamed.body.resource).toEqual({ id, name: "Garden room", type: "room", active: true });
		const removed = await call<{ resource: ResourceJson }>(world, world.owner, "DELETE", `/resources/${id}`);
		expect(removed.body.resource.active).toBe(false);
		const list = await call<{ resources: ResourceJson[] }>(world, world.owner, "GET", "/resources");
		expect(list.body.resources.map((r) => r.name)).toEqual(["Garden room", "Treatment room 1", "Treatment room 2"]);
		expect((await call<{ resource: ResourceJson }>(world, world.owner, "GET", "/resources/res_demo_room1")).body.resource.type).toBe("room");
	});

	it("names invalid fields and refuses staff", async () => {
		const bad = await call(world, world.owner, "POST", "/resources", { name: "", type: "x".repeat(41) });
		expect(fieldsOf(bad.body)).toEqual(["body.name", "body.type"]);
		expect(fieldsOf((await call(world, world.owner, "PATCH", "/resources/res_demo_room1", { active: "no" })).body)).toEqual(["body.active"]);
		expect((await call(world, world.staffMember, "GET", "/resources")).status).toBe(200);
		expect((await call(world, world.staffMember, "POST", "/resources", { name: "Room 3", type: "room" })).status).toBe(403);
		expect((await call(world, world.staffMember, "PATCH", "/resources/res_demo_room1", { name: "Mine" })).status).toBe(403);
		expect((await call(world, world.staffMember, "DELETE", "/resources/res_demo_room1")).status).toBe(403);
	});
});

describe("admin settings", () => {
	it("reads and patches business settings, merging sign-in methods", async () => {
		const before = await call<{ settings: SettingsJson }>(world, world.owner, "GET", "/settings");
		expect(before.body.settings).toEqual({
			name: "Demo Studio",
			slug: "demo",
			address: "Demo Studio, Keizersgracht 1, Amsterdam",
			timezone: "Europe/Amsterdam",
			brandColor: "#4f46e5",
			tentativeBlocks: true,
			signIn: { google: true, facebook: true, password: true },
		});
		const patched = await call<{ settings: SettingsJson }>(world, world.owner, "PATCH", "/settings", {
			name: "Studio Nova",
			timezone: "Europe/Berlin",
			brandColor: "#FF0000",
			tentativeBlocks: false,
			signIn: { facebook: false },
		});
		expect(patched.status).toBe(200);
		expect(patched.body.settings).toEqual({
			name: "Studio Nova",
			slug: "demo",
			address: "Demo Studio, Keizersgracht 1, Amsterdam",
			timezone: "Europe/Berlin",
			brandColor: "#ff0000",
			tentativeBlocks: false,
			signIn: { google: true, facebook: false, password: true },
		});
		expect((await call<{ settings: SettingsJson }>(world, world.owner, "GET", "/settings")).body.settings).toEqual(patched.body.settings);
		// The rival merchant's settings are its own.
		expect((await call<{ settings: SettingsJson }>(world, world.rival, "GET", "/settings")).body.settings.name).toBe("Rival Salon");
	});

	it("reaches the public API at once, though it remembers merchants for a minute", async () => {
		const methods = async () => (await (await api("/api/v1/m/demo/sign-in-methods")).json<{ facebook: boolean }>()).facebook;
		expect(await methods()).toBe(true);
		expect((await call(world, world.owner, "PATCH", "/settings", { signIn: { facebook: false } })).status).toBe(200);
		expect(await methods()).toBe(false);
	});

	it("names invalid settings and refuses staff", async () => {
		const bad = await call(world, world.owner, "PATCH", "/settings", { name: "", timezone: "Nowhere/City", brandColor: "#12345", signIn: { twitter: true } });
		expect(bad.status).toBe(400);
		expect(fieldsOf(bad.body)).toEqual(["body.brandColor", "body.name", "body.signIn", "body.timezone"]);
		expect((await call(world, world.staffMember, "GET", "/settings")).status).toBe(200);
		expect((await call(world, world.staffMember, "PATCH", "/settings", { name: "Mine" })).status).toBe(403);
		expect((await call<{ settings: SettingsJson }>(world, world.owner, "GET", "/settings")).body.settings.name).toBe("Demo Studio");
	});
});
