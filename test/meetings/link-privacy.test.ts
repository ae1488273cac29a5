// Issue 18 item 5's privacy rule: a booking's meeting link reaches the people in the booking and no one else.
// With the meeting ready, every public answer about the booking (catalogue, availability, booking pages, the
// create answer replayed, the manage API's read, reschedule and cancel answers), another customer's manage
// link and account, and another merchant's admin are searched for the join URL; and the log lines of the
// email jobs that carry it, failures and retries included, never hold it.
import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { consumeBatch } from "../../src/sync/consumer";
import { RIVAL, adminWorld, call } from "../admin/support";
import type { AdminWorld } from "../admin/support";
import { signUp, tokenFromMail, uniqueEmail } from "../auth/harness";
import type { Browser } from "../auth/harness";
import { at, bookDirectly, upcoming } from "../support/demo";
import { mailTo } from "../support/mailbox";
import { control } from "../support/sandbox-control";
import { flushSchedule } from "../support/schedule";
import { joinLink, placeService, writeMeeting } from "./link-world";

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
	await placeService("svc_demo_cut", { kind: "google_meet" });
});

afterEach(() => {
	vi.restoreAllMocks();
});

async function verifiedCustomer(): Promise<Browser> {
	const email = uniqueEmail("private");
	const browser = world.h.browser();
	await signUp(world.h, browser, email);
	await world.h.request("/auth/verify-email", { method: "POST", browser, json: { token: tokenFromMail(world.h.mailer, email) } });
	return browser;
}

const day = upcoming(4);

function bookingBody(time: string) {
	return { serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(day, time), timezone: "Europe/Amsterdam", customer: { name: "Pat Private", email: "typed@example.com" } };
}

/** Books through the public API as `browser`, with an Idempotency-Key, and waits for D1's read model. */
async function book(browser: Browser, time: string, key: string): Promise<{ id: string; manageUrl: string }> {
	const res = await world.h.request("/api/v1/m/demo/bookings", { method: "POST", browser, headers: { "idempotency-key": key }, json: bookingBody(time) });
	expect(res.status).toBe(201);
	await flushSchedule();
	return (await res.json<{ booking: { id: string; manageUrl: string } }>()).booking;
}

describe("a ready meeting link", () => {
	it("appears in no public answer, to no other customer and to no other merchant's admin", { timeout: 60_000 }, async () => {
		const link = joinLink();
		const holder = await verifiedCustomer();
		const other = await verifiedCustomer();
		const key = crypto.randomUUID();
		const mine = await book(holder, "10:00", key);
		const theirs = await book(other, "14:00", crypto.randomUUID());
		await writeMeeting({ id: mine.id }, { state: "ready", joinUrl: link });
		await writeMeeting({ id: theirs.id }, { state: "ready", joinUrl: joinLink() });
		const token = new URL(mine.manageUrl).searchParams.get("token") ?? "";
		const theirToken = new URL(theirs.manageUrl).searchParams.get("token") ?? "";

		// The people in the booking do see it: the searches below would find it.
		expect(await (await world.h.request(new URL(mine.manageUrl).pathname + new URL(mine.manageUrl).search)).text()).toContain(link);
		expect(await (await world.h.request("/api/v1/me/bookings", { browser: holder })).text()).toContain(link);

		const publicAnswers: Array<[string, Response]> = [
			["services", await world.h.request("/api/v1/m/demo/services")],
			["staff", await world.h.request("/api/v1/m/demo/staff")],
			["availability", await world.h.request(`/api/v1/m/demo/availability?serviceId=svc_demo_cut&from=${day}&to=${day}&timezone=Europe/Amsterdam`)],
			["booking page", await world.h.request("/b/demo")],
			["embedded booking page", await world.h.request("/b/demo/embed")],
			["openapi", await world.h.request("/api/openapi.json")],
			// The create answer, replayed for the same key and body now that the link exists.
			["create replayed", await world.h.request("/api/v1/m/demo/bookings", { method: "POST", browser: holder, headers: { "idempotency-key": key }, json: bookingBody("10:00") })],
			["booking read", await world.h.request(`/api/v1/bookings/${mine.id}?token=${token}`)],
			["booking read by bearer", await world.h.request(`/api/v1/bookings/${mine.id}`, { headers: { authorization: `Bearer ${token}` } })],
			// Another customer's manage link, on this booking and on their own.
			["other token, page", await world.h.request(`/manage/${mine.id}?token=${theirToken}`)],
			["other token, read", await world.h.request(`/api/v1/bookings/${mine.id}?token=${theirToken}`)],
			["other token, .ics", await world.h.request(`/api/v1/bookings/${mine.id}/calendar.ics?token=${theirToken}`)],
			["other token, meeting", await world.h.request(`/manage/${mine.id}/meeting?token=${theirToken}`)],
			["their own manage page", await world.h.request(`/manage/${theirs.id}?token=${theirToken}`)],
			["their own .ics", await world.h.request(`/api/v1/bookings/${theirs.id}/calendar.ics?token=${theirToken}`)],
			// Another customer's account.
			["other account page", await world.h.request("/account", { browser: other })],
			["other account bookings", await world.h.request("/api/v1/me/bookings", { browser: other })],
			["other account, this booking", await world.h.request(`/api/v1/me/bookings/${mine.id}`, { browser: other })],
			// Another merchant's admin.
			["rival admin, booking", await world.h.request(`/admin/api/bookings/${mine.id}`, { browser: world.rival })],
			["rival admin, list", await world.h.request(`/admin/api/bookings?from=${day.subtract({ days: 1 })}&to=${day.add({ days: 1 })}`, { browser: world.rival })],
			["rival admin, calendar", await world.h.request(`/admin/calendar?view=week&date=${day}`, { browser: world.rival })],
			["rival admin, retry", await world.h.request(`/admin/api/bookings/${mine.id}/meeting/retry`, { method: "POST", browser: world.rival })],
			// The manage API's writes answer with the booking too.
			["reschedule answer", await world.h.request(`/api/v1/bookings/${mine.id}/reschedule?token=${token}`, { method: "POST", json: { start: at(day, "11:00") } })],
			["cancel answer", await world.h.request(`/api/v1/bookings/${mine.id}/cancel?token=${token}`, { method: "POST", json: {} })],
		];
		for (const [what, response] of publicAnswers) {
			expect({ what, found: (await response.text()).includes(link) }).toEqual({ what, found: false });
		}
		const statuses = Object.fromEntries(publicAnswers.map(([what, r]) => [what, r.status]));
		expect(statuses).toMatchObject({ "create replayed": 201, "booking read": 200, "other token, read": 404, "other token, meeting": 404, "other account, this booking": 404, "rival admin, booking": 404, "rival admin, retry": 404, "reschedule answer": 200, "cancel answer": 200 });
		expect((await call(world, world.owner, "GET", `/bookings/${RIVAL.bookingId}`)).status).toBe(404);
	});
});

/** Console lines written from now on (the log lines of the consumer and everything it runs). */
function captureConsole(): string[] {
	const lines: string[] = [];
	for (const method of ["log", "info", "warn", "error", "debug"] as const) {
		vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
			lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
		});
	}
	return lines;
}

function batch(body: unknown): MessageBatch<unknown> {
	return createMessageBatch("slotline-provider-push", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body }]) as MessageBatch<unknown>;
}

describe("the log lines of the jobs that mail the link", () => {
	it("never hold it, when the mail service fails and when it sends", { timeout: 60_000 }, async () => {
		const link = joinLink();
		const email = `logs-${crypto.randomUUID()}@example.com`;
		const [booking] = await bookDirectly({ customer: { name: "Lou Logs", email, phone: null } });
		await writeMeeting({ id: booking!.id }, { state: "ready", joinUrl: link });
		const confirmation = { type: "booking.notify", merchantId: DEMO_MERCHANT_ID, bookingId: booking!.id, version: 1, change: "created" };
		const followUp = { type: "meeting.notify", merchantId: DEMO_MERCHANT_ID, meetingId: booking!.id };
		// The mail service is down for this customer for two sends: both jobs fail, are logged and retried.
		await control("/faults", { provider: "mail", endpoint: "*", status: 503, count: 2, scope: { account: email } });

		const lines = captureConsole();
		await consumeBatch(batch(confirmation), env);
		await consumeBatch(batch(followUp), env);
		await consumeBatch(batch(followUp), env);
		await consumeBatch(batch(confirmation), env);
		await consumeBatch(batch(followUp), env);
		vi.restoreAllMocks();

		// Both the failures and the sends happened: the follow-up went out once the fault passed, and the confirmation carried the link too.
		expect(lines.filter((l) => l.includes('"job failed"')).length).toBe(2);
		const mails = await mailTo(email, 2);
		expect(mails.map((m) => m.text.includes(link))).toEqual([true, true]);
		expect(lines.filter((l) => l.includes(link))).toEqual([]);
		expect(lines.filter((l) => l.includes("meet.google.com"))).toEqual([]);
	});
});
