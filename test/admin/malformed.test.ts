// Garbage in never yields a 500: every state-changing admin route answers malformed JSON, wrong
// body types and unknown ids with a 4xx problem.
import { beforeEach, describe, expect, it } from "vitest";
import { adminWorld } from "./support";
import type { AdminWorld } from "./support";

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

const writes: Array<[string, string]> = [
	["POST", "/services"],
	["PATCH", "/services/svc_demo_cut"],
	["POST", "/staff"],
	["PATCH", "/staff/stf_demo_ana"],
	["PUT", "/staff/stf_demo_ana/hours"],
	["PUT", "/staff/stf_demo_ana/overrides/2030-01-01"],
	["POST", "/staff/stf_demo_ana/time-off"],
	["POST", "/resources"],
	["PATCH", "/resources/res_demo_room1"],
	["POST", "/bookings"],
	["PATCH", "/bookings/bkg_unknown"],
	["POST", "/bookings/bkg_unknown/reschedule"],
	["POST", "/bookings/bkg_unknown/cancel"],
	["PATCH", "/settings"],
];

const bodies = ["{not json", "[]", '"text"', "null", "42", JSON.stringify({ name: { nested: true }, start: 5, hours: "all", scope: null })];

describe("admin input handling", () => {
	it("answers malformed bodies with a 4xx problem on every write route", async () => {
		for (const [method, path] of writes) {
			for (const body of bodies) {
				const response = await world.h.request(`/admin/api${path}`, { method, browser: world.owner, headers: { "content-type": "application/json" }, body });
				expect({ method, path, body, status: response.status >= 400 && response.status < 500 }).toEqual({ method, path, body, status: true });
				expect(response.headers.get("content-type")).toBe("application/problem+json");
			}
		}
	});
});
