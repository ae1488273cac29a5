// The dev route that seeds the storm's extra merchants (and the availability benchmark's ten-staff one): only
// with the seed token, idempotent, and each merchant bookable through the public API like any other.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, postJson, upcoming } from "../support/demo";

function seedBench(count: unknown, token = env.DEMO_SEED_TOKEN): Promise<Response> {
	return postJson("/_dev/seed-bench-merchants", { count }, { "x-seed-token": token });
}

describe("POST /_dev/seed-bench-merchants", () => {
	it("is a 404 without the seed token, and validates the count", async () => {
		expect((await seedBench(2, "wrong")).status).toBe(404);
		expect((await postJson("/_dev/seed-bench-merchants", { count: 2 })).status).toBe(404);
		expect((await seedBench(0)).status).toBe(400);
		expect((await seedBench("4")).status).toBe(400);
		const merchants = await env.DB.prepare("select count(*) as n from merchants").first<{ n: number }>();
		expect(merchants?.n).toBe(0);
	});

	it("seeds bookable merchants, and seeding again adds nothing", async () => {
		const first = await seedBench(4);
		expect(first.status).toBe(200);
		const { merchants } = await first.json<{ merchants: Array<{ slug: string; serviceId: string; staffIds: string[] }> }>();
		expect(merchants.map((m) => m.slug)).toEqual(["bench-1", "bench-2", "bench-3", "bench-4"]);
		expect((await seedBench(4)).status).toBe(200);
		const counts = await env.DB.prepare("select (select count(*) from merchants) as merchants, (select count(*) from staff) as staff, (select count(*) from working_hours) as hours").first();
		expect(counts).toEqual({ merchants: 4, staff: 12, hours: 72 });

		const day = upcoming(3).toString();
		const bench = merchants[2];
		const slots = await (await api(`/api/v1/m/${bench?.slug}/availability?serviceId=${bench?.serviceId}&from=${day}&to=${day}&timezone=Europe/Amsterdam`)).json<{ slots: Array<{ start: string; staffId: string }> }>();
		expect(slots.slots.length).toBeGreaterThan(30);
		const slot = slots.slots[0];
		const booked = await postJson(`/api/v1/m/${bench?.slug}/bookings`, { serviceId: bench?.serviceId, staffId: slot?.staffId, start: slot?.start, timezone: "Europe/Amsterdam", customer: { name: "Bench", email: "bench@example.com" } });
		expect(booked.status).toBe(201);
	});

	it("seeds as many staff as asked, every one of them bookable", async () => {
		const token = { "x-seed-token": env.DEMO_SEED_TOKEN };
		expect((await postJson("/_dev/seed-bench-merchants", { count: 1, staffPerMerchant: 27 }, token)).status).toBe(400);
		const seeded = await postJson("/_dev/seed-bench-merchants", { count: 1, staffPerMerchant: 10 }, token);
		expect(seeded.status).toBe(200);
		const [bench] = (await seeded.json<{ merchants: Array<{ slug: string; serviceId: string; staffIds: string[] }> }>()).merchants;
		expect(bench?.staffIds).toHaveLength(10);
		const staff = await env.DB.prepare("select count(*) as n from staff where merchant_id = 'mer_bench_1'").first<{ n: number }>();
		expect(staff?.n).toBe(10);

		// The tenth offers the consultation and works the bench hours like the first three.
		const day = upcoming(3).toString();
		const tenth = bench?.staffIds.at(-1);
		const res = await api(`/api/v1/m/${bench?.slug}/availability?serviceId=${bench?.serviceId}&staffId=${tenth}&from=${day}&to=${day}&timezone=Europe/Amsterdam`);
		expect(res.status).toBe(200);
		const { slots } = await res.json<{ slots: Array<{ staffId: string }> }>();
		expect(slots.length).toBeGreaterThan(30);
		expect(slots.every((slot) => slot.staffId === tenth)).toBe(true);
	});
});
