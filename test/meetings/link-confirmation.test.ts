// Issue 18 item 5 on the widget's confirmation screen: GET /manage/{id}/meeting?token= answers a booking's
// meeting to the holder of its manage token only (the customer in the booking), as the customer sees it:
// the link once it exists, else pending (a failure's reason is the admin's), never cached, never logged.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { manageToken } from "../../src/booking/manage-token";
import { api, bookDirectly, weekdayAt } from "../support/demo";
import { seedDemo } from "../support/seed";
import { joinLink, placeService, writeMeeting } from "./link-world";

beforeEach(async () => {
	await seedDemo();
});

afterEach(() => {
	vi.restoreAllMocks();
});

/** A booking of the demo haircut (two days ahead) with its manage token; D1's read model has it. */
async function booked(time: string): Promise<{ id: string; token: string }> {
	const [booking] = await bookDirectly({ start: weekdayAt(2, time), customer: { name: "Connie Confirmed", email: `confirm-${crypto.randomUUID()}@example.com`, phone: null } });
	if (booking === undefined) throw new Error("not booked");
	return { id: booking.id, token: await manageToken(env.SESSION_SECRET, booking.id) };
}

function meetingOf(id: string, token: string | null): Promise<Response> {
	return api(`/manage/${id}/meeting${token === null ? "" : `?token=${encodeURIComponent(token)}`}`);
}

/** The answer's status, body and the headers that keep it private. */
async function answer(res: Response): Promise<{ status: number; body: unknown; cache: string | null; referrer: string | null }> {
	return { status: res.status, body: await res.json(), cache: res.headers.get("cache-control"), referrer: res.headers.get("referrer-policy") };
}

describe("GET /manage/{id}/meeting", () => {
	it("answers the ready link to the booking's token holder only, never cached and never logged", async () => {
		await placeService("svc_demo_cut", { kind: "google_meet" });
		const mine = await booked("10:00");
		const theirs = await booked("14:00");
		const link = joinLink();
		await writeMeeting({ id: mine.id }, { state: "ready", joinUrl: link });
		await writeMeeting({ id: theirs.id }, { state: "ready", joinUrl: joinLink() });
		const lines: string[] = [];
		for (const method of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(JSON.stringify(args)));

		const own = await answer(await meetingOf(mine.id, mine.token));
		expect(own).toEqual({ status: 200, body: { provider: "google_meet", state: "ready", joinUrl: link }, cache: "private, no-store", referrer: "no-referrer" });

		const refused = {
			"no token": await meetingOf(mine.id, null),
			"empty token": await meetingOf(mine.id, ""),
			"wrong token": await meetingOf(mine.id, `${mine.token.slice(0, -2)}xx`),
			"another booking's token": await meetingOf(mine.id, theirs.token),
			"this token on another booking": await meetingOf(theirs.id, mine.token),
			"unknown booking": await meetingOf("bkg_unknown", mine.token),
		};
		for (const [what, res] of Object.entries(refused)) {
			const text = await res.text();
			expect({ what, status: res.status, cache: res.headers.get("cache-control"), referrer: res.headers.get("referrer-policy"), type: res.headers.get("content-type") }).toEqual({
				what,
				status: 404,
				cache: "private, no-store",
				referrer: "no-referrer",
				type: "application/problem+json",
			});
			expect({ what, leaks: text.includes(link) || text.includes("meet.google.com") }).toEqual({ what, leaks: false });
		}
		expect(lines.filter((line) => line.includes(link) || line.includes(mine.token))).toEqual([]);
	});

	it("says pending, without a link, until the meeting has one, and a failure's reason stays the admin's", async () => {
		await placeService("svc_demo_cut", { kind: "zoom" });
		const { id, token } = await booked("10:00");
		const pending = { status: 200, body: { provider: "zoom", state: "pending", joinUrl: null }, cache: "private, no-store", referrer: "no-referrer" };

		// No row yet: the queue has not made the meeting.
		expect(await answer(await meetingOf(id, token))).toEqual(pending);
		await writeMeeting({ id }, { state: "pending", joinUrl: null, provider: "zoom" });
		expect(await answer(await meetingOf(id, token))).toEqual(pending);
		await writeMeeting({ id }, { state: "failed", joinUrl: null, provider: "zoom", error: "zoom 401 invalid_token: refused by Zoom" });
		const failed = await meetingOf(id, token);
		expect(await answer(failed.clone())).toEqual(pending);
		expect(await failed.text()).not.toMatch(/error|invalid_token|401/);

		const link = "https://zoom.us/j/123456789?pwd=confirm";
		await writeMeeting({ id }, { state: "ready", joinUrl: link, provider: "zoom" });
		expect(await answer(await meetingOf(id, token))).toEqual({ ...pending, body: { provider: "zoom", state: "ready", joinUrl: link } });
	});

	it("answers 404 for a booking with no meeting: in person, or cancelled", async () => {
		const inPerson = await booked("10:00");
		// A meeting row outlives a change of place: the place now says there is no meeting.
		await writeMeeting({ id: inPerson.id }, { state: "ready", joinUrl: joinLink() });
		const res = await meetingOf(inPerson.id, inPerson.token);
		expect({ status: res.status, cache: res.headers.get("cache-control") }).toEqual({ status: 404, cache: "private, no-store" });
		expect(await res.text()).not.toContain("meet.google.com");

		await placeService("svc_demo_cut", { kind: "google_meet" });
		const online = await booked("14:00");
		const cancelled = await api(`/api/v1/bookings/${online.id}/cancel?token=${online.token}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
		expect(cancelled.status).toBe(200);
		expect((await meetingOf(online.id, online.token)).status).toBe(404);
	});
});
