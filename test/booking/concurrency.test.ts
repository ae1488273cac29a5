import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { at, bookingBody, overlappingPairs, postJson, upcoming } from "../support/demo";
import { flushSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";

beforeEach(async () => {
	await seedDemo();
});

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
		await flushSchedule();
		const count = await env.DB.prepare("select count(*) as n from bookings where status = 'confirmed'").first<{ n: number }>();
		expect(count?.n).toBe(1);
	});

	it("leaves no overlapping confirmed bookings after a mixed storm of creates, reschedules and cancels", { timeout: 180_000 }, async () => {
		const days = [upcoming(2), upcoming(3), upcoming(4)];
		const times = ["10:00", "10:15", "10:30", "11:00", "11:15", "11:30", "14:00", "14:30", "15:00", "15:15", "16:00"];
		const services = ["svc_demo_cut", "svc_demo_colour", "svc_demo_consult", "svc_demo_massage"];
		const staff = ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe", undefined];
		const slot = (i: number): string => at(days[i % days.length]!, times[(i * 7) % times.length]!);

		// Bookings to move and cancel, made before the storm on slots of their own (Ana at 09:00 and 13:30).
		const targets: Array<{ id: string; token: string }> = [];
		for (const [i, day] of days.entries()) {
			for (const time of ["09:00", "13:30"]) {
				const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(day, time), customer: { name: `Target ${i}`, email: `target${i}-${time.replace(":", "")}@example.com` } }));
				expect(res.status).toBe(201);
				const { booking } = await res.json<{ booking: { id: string; manageUrl: string } }>();
				targets.push({ id: booking.id, token: new URL(booking.manageUrl).searchParams.get("token") ?? "" });
			}
		}
		// The manage routes find a booking's merchant in D1's read model.
		await flushSchedule();

		type Kind = "create" | "reschedule" | "cancel";
		const requests: Array<Promise<{ kind: Kind; status: number; id?: string }>> = Array.from({ length: 240 }, (_, i) => {
			const target = targets[i % targets.length]!;
			if (i % 4 === 1) {
				// Every target is moved many times, onto slots other requests also want: half of the moves onto the
				// storm's slots, which creates mostly reach first (a move looks its booking's merchant up in D1 before
				// it reaches the object; a create does not), half onto 16:30, which only other moves and the longer
				// bookings created around it contend for.
				const start = i % 8 === 1 ? slot(i) : at(days[i % days.length]!, "16:30");
				return postJson(`/api/v1/bookings/${target.id}/reschedule?token=${target.token}`, { start }).then((r) => ({ kind: "reschedule" as const, status: r.status, id: target.id }));
			}
			if (i % 16 === 3) {
				return postJson(`/api/v1/bookings/${target.id}/cancel?token=${target.token}`, {}).then((r) => ({ kind: "cancel" as const, status: r.status, id: target.id }));
			}
			return postJson("/api/v1/m/demo/bookings", {
				...bookingBody(),
				serviceId: services[(i * 3) % services.length],
				staffId: staff[(i * 5) % staff.length],
				start: slot(i),
				customer: { name: `Storm ${i}`, email: `storm${i}@example.com` },
			}).then((r) => ({ kind: "create" as const, status: r.status }));
		});
		const results = await Promise.all(requests);

		// Every answer is one the API documents for its request; no 404 (every id is real), no 5xx.
		const allowed: Record<Kind, number[]> = { create: [201, 409, 422], reschedule: [200, 409, 422], cancel: [200] };
		const unexpected = results.filter((r) => !allowed[r.kind].includes(r.status));
		expect(unexpected).toEqual([]);
		const succeeded = (kind: Kind): number => results.filter((r) => r.kind === kind && (r.status === 200 || r.status === 201)).length;
		expect(succeeded("create")).toBeGreaterThan(10);
		expect(succeeded("reschedule")).toBeGreaterThan(0);
		expect(succeeded("cancel")).toBeGreaterThan(0);

		await flushSchedule();
		expect(await overlappingPairs()).toBe(0);
		// A cancel that answered 200 stuck: nothing moved a cancelled booking back.
		const cancelledIds = [...new Set(results.filter((r) => r.kind === "cancel").map((r) => r.id))];
		for (const id of cancelledIds) {
			expect((await env.DB.prepare("select status from bookings where id = ?").bind(id).first<{ status: string }>())?.status).toBe("cancelled");
		}
		// Every committed version has exactly its one message in the object's outbox, and no message is without one.
		const mismatched = await runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance, state) =>
			state.storage.sql
				.exec(
					`select b.id from bookings b
					 where (select count(*) from outbox o where o.booking_id = b.id) != b.version
					    or (select count(distinct o.version) from outbox o where o.booking_id = b.id) != b.version
					    or (select max(o.version) from outbox o where o.booking_id = b.id) != b.version`,
				)
				.toArray(),
		);
		expect(mismatched).toEqual([]);
		// And D1's read model holds exactly the object's versions.
		const objectVersions = await runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance, state) => state.storage.sql.exec("select id, version, status from bookings order by id").toArray());
		expect((await env.DB.prepare("select id, version, status from bookings order by id").all()).results).toEqual(objectVersions);
	});
});
