// The booking storm of `npm run bench` (scripts/bench/storm-merchants.mjs), enforced in CI: 1,000 booking
// requests at once across 5 merchants (the demo and four seeded by the dev route), four requests for each
// of 250 slots, through the Worker's own fetch handler, so every request goes through the public API and
// its merchant's Durable Object. Only 201 and 409 may come back, exactly one 201 per slot, and no staff
// member or resource may end up with overlapping confirmed bookings. The figures are printed, not asserted.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { api, overlappingPairs, postJson, upcoming } from "../support/demo";
import { flushSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";

const REQUESTS = 1_000;
const MERCHANTS = 5;
const SLOTS_PER_MERCHANT = 50;
const ZONE = "Europe/Amsterdam";

interface Merchant {
	merchantId: string;
	slug: string;
	serviceId: string;
	staffIds: string[];
}

interface Slot {
	merchant: Merchant;
	staffId: string;
	start: string;
}

beforeEach(seedDemo);


/** SLOTS_PER_MERCHANT free slots of the merchant's consultation next week, spread over its staff (as the bench picks them). */
async function slotsOf(merchant: Merchant): Promise<Slot[]> {
	const from = upcoming(1).toString();
	const to = upcoming(1).add({ days: 6 }).toString();
	const all: Slot[] = [];
	for (const staffId of merchant.staffIds) {
		const response = await api(`/api/v1/m/${merchant.slug}/availability?serviceId=${merchant.serviceId}&staffId=${staffId}&from=${from}&to=${to}&timezone=${ZONE}`);
		expect(response.status).toBe(200);
		const { slots } = await response.json<{ slots: Array<{ start: string; staffId: string }> }>();
		all.push(...slots.map((s) => ({ merchant, staffId: s.staffId, start: s.start })));
	}
	const step = Math.max(1, Math.floor(all.length / SLOTS_PER_MERCHANT));
	return all.filter((_, i) => i % step === 0).slice(0, SLOTS_PER_MERCHANT);
}

describe("booking storm across merchants", () => {
	it(`${REQUESTS} simultaneous requests over ${MERCHANTS} merchants: one 201 per slot, the rest 409, no double booking`, { timeout: 120_000 }, async () => {
		const seeded = await postJson("/_dev/seed-bench-merchants", { count: MERCHANTS - 1 }, { "x-seed-token": env.DEMO_SEED_TOKEN });
		expect(seeded.status).toBe(200);
		const merchants: Merchant[] = [
			{ merchantId: "mer_demo", slug: "demo", serviceId: "svc_demo_consult", staffIds: ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe"] },
			...(await seeded.json<{ merchants: Merchant[] }>()).merchants,
		];
		const slots: Slot[] = [];
		for (const merchant of merchants) slots.push(...(await slotsOf(merchant)));
		expect(slots).toHaveLength(MERCHANTS * SLOTS_PER_MERCHANT);

		// Every slot is asked for REQUESTS / slots times, the askers interleaved so they arrive together.
		const started = performance.now();
		const responses = await Promise.all(
			Array.from({ length: REQUESTS }, async (_, i) => {
				const slot = slots[i % slots.length] as Slot;
				const response = await postJson(
					`/api/v1/m/${slot.merchant.slug}/bookings`,
					{ serviceId: slot.merchant.serviceId, staffId: slot.staffId, start: slot.start, timezone: ZONE, customer: { name: `Storm ${i}`, email: `storm${i}@example.com` } },
					{ "idempotency-key": `storm-${i}` },
				);
				const body = await response.json<{ booking?: { id: string } }>();
				return { slot: i % slots.length, status: response.status, id: body.booking?.id ?? null };
			}),
		);
		const seconds = (performance.now() - started) / 1000;

		const statuses = new Map<number, number>();
		for (const { status } of responses) statuses.set(status, (statuses.get(status) ?? 0) + 1);
		const createdPerSlot = new Array<number>(slots.length).fill(0);
		for (const { slot, status } of responses) if (status === 201) createdPerSlot[slot] = (createdPerSlot[slot] ?? 0) + 1;
		const created = responses.filter((r) => r.status === 201);
		// Counted in D1's read model, once every merchant's object has relayed its bookings there.
		await Promise.all(merchants.map((merchant) => flushSchedule(merchant.merchantId)));
		const confirmed = await env.DB.prepare("select count(*) as n from bookings where status = 'confirmed'").first<{ n: number }>();
		const doubles = await overlappingPairs();
		console.log(
			[
				`STORM ${REQUESTS} requests, ${MERCHANTS} merchants, ${slots.length} slots in ${seconds.toFixed(1)} s (${(REQUESTS / seconds).toFixed(0)} requests/s)`,
				`  statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(", ")}`,
				`  confirmed bookings: ${confirmed?.n}, overlapping confirmed pairs: ${doubles}`,
			].join("\n"),
		);

		expect([...statuses.keys()].sort()).toEqual([201, 409]);
		expect(createdPerSlot.filter((n) => n !== 1)).toEqual([]);
		expect(new Set(created.map((r) => r.id)).size).toBe(slots.length);
		expect(confirmed?.n).toBe(slots.length);
		expect(doubles).toBe(0);
	});
});
