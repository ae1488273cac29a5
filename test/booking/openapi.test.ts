import { describe, expect, it } from "vitest";
import { api } from "../support/demo";

describe("GET /api/openapi.json", () => {
	it("documents every public booking path from the zod schemas", async () => {
		const res = await api("/api/openapi.json");
		expect(res.status).toBe(200);
		const doc = await res.json<{ openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>();
		expect(doc.openapi).toBe("3.1.0");
		expect(Object.keys(doc.paths).sort()).toEqual(
			expect.arrayContaining([
				"/api/v1/m/{merchant}/services",
				"/api/v1/m/{merchant}/staff",
				"/api/v1/m/{merchant}/availability",
				"/api/v1/m/{merchant}/bookings",
				"/api/v1/bookings/{id}",
				"/api/v1/bookings/{id}/cancel",
				"/api/v1/bookings/{id}/reschedule",
			]),
		);
		expect(Object.keys(doc.paths["/api/v1/m/{merchant}/bookings"]?.["post"] as object)).toContain("requestBody");
		expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["CreateBooking", "Booking", "Problem", "Slot"]));
	});

	it("documents the cancel body and its scope", async () => {
		const doc = await (await api("/api/openapi.json")).json<{
			paths: Record<string, Record<string, { requestBody?: { required?: boolean; content: Record<string, { schema: { $ref?: string } }> } }>>;
			components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
		}>();
		const body = doc.paths["/api/v1/bookings/{id}/cancel"]?.["post"]?.requestBody;
		expect(body?.required).not.toBe(true);
		expect(body?.content["application/json"]?.schema.$ref).toBe("#/components/schemas/CancelBooking");
		expect(doc.components.schemas["CancelBooking"]?.properties?.["scope"]?.enum).toEqual(["one", "series"]);
	});
});
