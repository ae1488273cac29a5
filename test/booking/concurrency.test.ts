import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { at, bookingBody, postJson, seedDemo, upcoming } from "../support/demo";

beforeEach(async () => {
	await seedDemo();
});

/** Pairs of confirmed bookings whose blocks overlap for the same staff member or resource. */
async function overlappingPairs(): Promise<number> {
	const row = await env.DB.prepare(
		`select count(*) as n from bookings a join bookings b on a.id < b.id
		 where a.status = 'confirmed' and b.status = 'confirmed'
		   and (a.staff_id = b.staff_id or (a.resource_id is not null and a.resource_id = b.resource_id))
		   and a.block_start < b.block_end and b.block_start < a.block_end`,
	).first<{ n: number }>();
	return row?.n ?? -1;
}

describe("concurrent booking", () => {
	it("gives exactly one 201 to 200 simultaneous requests for one slot", { timeout: 120_000 }, async () => {
		const body = bookingBody({ start: at(upcoming(4), "11:00") });
		const responses = await Promise.all(
			Array.from({ length: 200 }, (_, i) =>
				postJson("/api/v1/m/demo/bookings", { ...body, customer: { name: `Racer ${i}`, email: `racer${i}@example.com` } }, { "idempotency-key": `race-${i}` }),
			),
		);
		const statuses = responses.map((r) => r.status);
		expect(statuses.filter((s) => s === 201)).toHaveLength(1);
		expect(statuses.filter((s) => s === 409)).toHaveLength(199);
		const count = await env.DB.prepare("select count(*) as n from bookings where status = 'confirmed'").first<{ n: number }>();
		expect(count?.n).toBe(1);
	});

	it("leaves no overlapping confirmed bookings after a mixed storm over many slots", { timeout: 120_000 }, async () => {
		const days = [upcoming(2), upcoming(3), upcoming(4)];
		const times = ["09:00", "09:15", "09:30", "10:00", "10:30", "11:00", "11:15", "14:00", "14:30", "15:00"];
		const services = ["svc_demo_cut", "svc_demo_colour", "svc_demo_consult", "svc_demo_massage"];
		const staff = ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe", undefined];
		const requests = Array.from({ length: 240 }, (_, i) => {
			const day = days[i % days.length]!;
			const time = times[(i * 7) % times.length]!;
			return postJson("/api/v1/m/demo/bookings", {
				...bookingBody(),
				serviceId: services[(i * 3) % services.length],
				staffId: staff[(i * 5) % staff.length],
				start: at(day, time),
				customer: { name: `Storm ${i}`, email: `storm${i}@example.com` },
			});
		});
		const statuses = (await Promise.all(requests)).map((r) => r.status);
		expect(statuses.every((s) => [201, 404, 409, 422].includes(s))).toBe(true);
		expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(10);
		expect(await overlappingPairs()).toBe(0);
	});
});
