import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("GET /healthz", () => {
	it("answers 200 with JSON once D1 is reachable", async () => {
		const res = await exports.default.fetch("http://slotline.test/healthz");
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("application/json");
		const body = await res.json<{ status: string; database: string }>();
		expect(body).toMatchObject({ status: "ok", database: "ok" });
	});

	it("answers unknown routes with a problem+json 404", async () => {
		const res = await exports.default.fetch("http://slotline.test/nope");
		expect(res.status).toBe(404);
		expect(res.headers.get("content-type")).toBe("application/problem+json");
		expect(await res.json()).toMatchObject({ status: 404, title: "Not found", instance: "/nope" });
	});
});
