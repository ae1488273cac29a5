// Issue 18 items 5 and 6: the meeting link reaches the people in the booking. The confirmation and reschedule
// emails (text, HTML and the .ics's LOCATION, URL and DESCRIPTION) carry it once it exists, else say it follows;
// the follow-up brings it exactly once however the jobs are delivered; the manage page, the account page and
// the admin show it (or that it is pending, and the admin the error with a Retry that queues the right work).
import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { cancelBooking, rescheduleBooking } from "../../src/booking/change";
import { notifyCustomer } from "../../src/booking/notify";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import type { MeetingNotifyJob } from "../../src/jobs";
import type { Mailer } from "../../src/mail/mailer";
import { RecordingMailer } from "../../src/mail/recording-mailer";
import { claimLinkMail, meetingById } from "../../src/meetings/meeting-store";
import { notifyMeetingLink } from "../../src/meetings/meeting-notify";
import { retryMeeting } from "../../src/meetings/meeting-retry";
import { NO_ZOOM_MESSAGE } from "../../src/meetings/zoom-meetings";
import { refreshCalendars } from "../../src/sync/connection-calendars";
import { consumeBatch } from "../../src/sync/consumer";
import type { AdminBookingJson } from "../../src/web/admin/schemas";
import { RIVAL, adminWorld, call } from "../admin/support";
import type { AdminWorld } from "../admin/support";
import { signUp, tokenFromMail, uniqueEmail } from "../auth/harness";
import type { Browser } from "../auth/harness";
import { api, at, bookDirectly, bookingBody, inDemoSchedule, postJson, upcoming, weekdayAt } from "../support/demo";
import { mailTo } from "../support/mailbox";
import { flushSchedule } from "../support/schedule";
import { control } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { book, connectStaff, liveEvents } from "../sync/harness";
import { meetingWorld, settle } from "./calendar-meeting-world";
import { attachedIcs, db, icsFields, joinLink, mailboxNow, placeService, placeStaff, writeMeeting } from "./link-world";

const config = () => ({ appUrl: "http://localhost:8787", sessionSecret: env.SESSION_SECRET, mailFrom: env.MAIL_FROM, now: Date.now() });
const created = (bookingId: string, version = 1) => ({ type: "booking.notify" as const, merchantId: DEMO_MERCHANT_ID, bookingId, version, change: "created" as const });
const notifyJob = (meetingId: string): MeetingNotifyJob => ({ type: "meeting.notify", merchantId: DEMO_MERCHANT_ID, meetingId });

function meetingBatch(meetingId: string): MessageBatch<unknown> {
	return createMessageBatch("slotline-provider-push", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: notifyJob(meetingId) }]) as MessageBatch<unknown>;
}

/** A booking of the demo haircut, made on Google Meet, around the relay: no email goes out on its own. */
async function meetBooking(email = `meet-${crypto.randomUUID()}@example.com`, start = weekdayAt(2, "10:00")) {
	await placeService("svc_demo_cut", { kind: "google_meet" });
	const [booking] = await bookDirectly({ start, customer: { name: "Maya Meet", email, phone: null } });
	if (booking === undefined) throw new Error("not booked");
	return booking;
}

const failingMailer: Mailer = {
	async send() {
		throw new Error("mail service down");
	},
};

describe("emails carry the link once it exists", () => {
	beforeEach(async () => {
		await seedDemo();
	});

	it("the confirmation says the link follows; the follow-up brings it once, however often meeting.notify is delivered", { timeout: 60_000 }, async () => {
		const email = `follow-${crypto.randomUUID()}@example.com`;
		const link = joinLink();
		await placeService("svc_demo_cut", { kind: "google_meet" });
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "Fay Follow", email } }));
		expect(res.status).toBe(201);
		const { booking } = await res.json<{ booking: { id: string } }>();

		// Through the real queue: the booking's confirmation, without a link yet.
		const [confirmation] = await mailTo(email, 1);
		expect(confirmation?.text).toContain("Your video link follows in a separate email");
		expect(confirmation?.html).toContain("follows in a separate email");
		expect(confirmation?.text).not.toContain("meet.google.com");
		expect(icsFields(attachedIcs(confirmation!)).location).toBe("Google Meet (link to follow)");

		// The meeting's maker stores the link: the follow-up goes out through the queue.
		await writeMeeting({ id: booking.id }, { state: "ready", joinUrl: link }, { announce: true });
		const mails = await mailTo(email, 2);
		expect(mails).toHaveLength(2);
		const followUp = mails[1]!;
		expect(followUp.subject).toMatch(/^Your video link for Haircut on \w+day, \d+ \w+ \d{4}$/);
		expect(followUp.text).toContain(`Join the video meeting: ${link}`);
		expect(followUp.html).toContain(`href="${link}"`);
		const fresh = icsFields(attachedIcs(followUp));
		expect(fresh.location).toBe(link);
		expect(fresh.url).toBe(link);
		expect(fresh.description).toContain(link);
		expect(attachedIcs(followUp)).toContain(`UID:${booking.id}@slotline`);

		// Redelivered (at least once, as queues do), through the consumer and directly: nobody is mailed again.
		await consumeBatch(meetingBatch(booking.id), env);
		await consumeBatch(meetingBatch(booking.id), env);
		const mailer = new RecordingMailer();
		expect(await notifyMeetingLink(env, db, mailer, config(), notifyJob(booking.id))).toBe("skipped");
		expect(mailer.outbox).toHaveLength(0);
		expect(await mailboxNow(email)).toHaveLength(2);
	});

	it("a confirmation that finds the link ready carries it in text, HTML and the .ics, and no follow-up is sent", async () => {
		const link = joinLink();
		const booking = await meetBooking();
		await writeMeeting(booking, { state: "ready", joinUrl: link });
		const mailer = new RecordingMailer();
		expect(await notifyCustomer(env, mailer, config(), created(booking.id))).toBe("sent");
		const [email] = mailer.outbox;
		expect(email?.text).toContain(`Where: ${link}`);
		expect(email?.text).toContain(`Join the video meeting: ${link}`);
		expect(email?.text).not.toContain("follows");
		expect(email?.html).toContain(`<a href="${link}">Join the video meeting</a>`);
		const ics = icsFields(attachedIcs(email!));
		expect(ics).toMatchObject({ location: link, url: link });
		expect(ics.description).toContain(`Join the video meeting: ${link}`);
		expect(ics.description).toContain("Manage: http://localhost:8787/manage/");

		expect((await meetingById(db, booking.id))?.linkMailedAt).not.toBeNull();
		expect(await notifyMeetingLink(env, db, mailer, config(), notifyJob(booking.id))).toBe("skipped");
		expect(mailer.outbox).toHaveLength(1);
	});

	it("includes the link when the follow-up claimed it first, and the follow-up is never sent twice", async () => {
		const link = joinLink();
		const booking = await meetBooking();
		await writeMeeting(booking, { state: "ready", joinUrl: link });
		const mailer = new RecordingMailer();
		expect(await notifyMeetingLink(env, db, mailer, config(), notifyJob(booking.id))).toBe("sent");
		expect(await notifyCustomer(env, mailer, config(), created(booking.id))).toBe("sent");
		expect(await notifyMeetingLink(env, db, mailer, config(), notifyJob(booking.id))).toBe("skipped");
		expect(mailer.outbox).toHaveLength(2);
		expect(mailer.outbox[0]?.subject).toMatch(/^Your video link for Haircut on /);
		expect(mailer.outbox[1]?.subject).toMatch(/^Booking confirmed/);
		expect(mailer.outbox[1]?.text).toContain(`Join the video meeting: ${link}`);
	});

	it("gives the claim back when the confirmation's send fails, so the follow-up (or the retry) still carries the link", async () => {
		const link = joinLink();
		const booking = await meetBooking();
		await writeMeeting(booking, { state: "ready", joinUrl: link });
		await expect(notifyCustomer(env, failingMailer, config(), created(booking.id))).rejects.toThrow("mail service down");
		expect((await meetingById(db, booking.id))?.linkMailedAt).toBeNull();

		// A failed follow-up gives it back too; its retry sends, once.
		await expect(notifyMeetingLink(env, db, failingMailer, config(), notifyJob(booking.id))).rejects.toThrow("mail service down");
		expect((await meetingById(db, booking.id))?.linkMailedAt).toBeNull();
		const mailer = new RecordingMailer();
		expect(await notifyMeetingLink(env, db, mailer, config(), notifyJob(booking.id))).toBe("sent");
		expect(await notifyMeetingLink(env, db, mailer, config(), notifyJob(booking.id))).toBe("skipped");
		expect(mailer.outbox).toHaveLength(1);
	});

	it("the reschedule email carries the link; a pending update keeps the link the meeting has", async () => {
		const link = joinLink();
		const booking = await meetBooking();
		await writeMeeting(booking, { state: "ready", joinUrl: link });
		await claimLinkMail(db, booking.id, Date.now());
		await inDemoSchedule((store, setup) =>
			rescheduleBooking(store, setup, { merchantId: DEMO_MERCHANT_ID, bookingId: booking.id, start: booking.start + 3_600_000, staffId: null, scope: "one", source: "admin", now: Date.now() }),
		);
		// The maker is moving the meeting and must retry: the meeting, and its link, stay.
		await writeMeeting(booking, { state: "pending", error: "Zoom answered 503" });
		expect(await meetingById(db, booking.id)).toMatchObject({ state: "pending", joinUrl: link });
		const mailer = new RecordingMailer();
		expect(await notifyCustomer(env, mailer, config(), { ...created(booking.id, 2), change: "rescheduled" })).toBe("sent");
		expect(mailer.outbox[0]?.subject).toMatch(/^Booking moved/);
		expect(mailer.outbox[0]?.text).toContain(`Join the video meeting: ${link}`);
		expect(icsFields(attachedIcs(mailer.outbox[0]!)).location).toBe(link);
	});

	it("sends no follow-up for a cancelled booking, and the cancellation carries no link", async () => {
		const link = joinLink();
		const booking = await meetBooking();
		await inDemoSchedule((store, setup) => cancelBooking(store, setup, { merchantId: DEMO_MERCHANT_ID, bookingId: booking.id, scope: "one", source: "admin", now: Date.now() }));
		await writeMeeting(booking, { state: "ready", joinUrl: link });
		const mailer = new RecordingMailer();
		expect(await notifyMeetingLink(env, db, mailer, config(), notifyJob(booking.id))).toBe("skipped");
		expect(await notifyCustomer(env, mailer, config(), { ...created(booking.id, 2), change: "cancelled" })).toBe("sent");
		expect(mailer.outbox).toHaveLength(1);
		expect(mailer.outbox[0]?.text).not.toContain(link);
		expect(attachedIcs(mailer.outbox[0]!)).not.toContain(link);
		expect((await meetingById(db, booking.id))?.linkMailedAt).toBeNull();
	});

	it("gives a series one link: its one confirmation carries the series' meeting", async () => {
		const link = joinLink();
		await placeService("svc_demo_cut", { kind: "zoom" });
		const occurrences = await bookDirectly({ recurrence: { frequency: "weekly", count: 3 }, customer: { name: "Sam Series", email: "series@example.com", phone: null } });
		const first = occurrences[0]!;
		await writeMeeting({ id: first.id, seriesId: first.seriesId }, { state: "ready", joinUrl: link, provider: "zoom" });
		const mailer = new RecordingMailer();
		for (const occurrence of occurrences) await notifyCustomer(env, mailer, config(), created(occurrence.id));
		expect(mailer.outbox).toHaveLength(1);
		expect(mailer.outbox[0]?.text).toContain(`Join the video meeting: ${link}`);
		expect((await meetingById(db, first.seriesId!))?.linkMailedAt).not.toBeNull();
		expect(await notifyMeetingLink(env, db, mailer, config(), notifyJob(first.seriesId!))).toBe("skipped");
	});

	it("shows a fixed link the same way, with nothing to follow", async () => {
		const link = "https://whereby.com/demo-studio";
		await placeService("svc_demo_cut", { kind: "fixed_link", url: link });
		const [booking] = await bookDirectly();
		const mailer = new RecordingMailer();
		expect(await notifyCustomer(env, mailer, config(), created(booking!.id))).toBe("sent");
		expect(mailer.outbox[0]?.text).toContain(`Join the video meeting: ${link}`);
		expect(mailer.outbox[0]?.html).toContain(`href="${link}"`);
		expect(mailer.outbox[0]?.text).not.toContain("follows");
		expect(icsFields(attachedIcs(mailer.outbox[0]!))).toMatchObject({ location: link, url: link });
	});

	it("mails nothing of a meeting for a booking in person, even when a staff member's own place overrides an online service", async () => {
		await placeService("svc_demo_cut", { kind: "google_meet" });
		await placeStaff("stf_demo_ana", { kind: "in_person_address", address: "Herengracht 5" });
		const [booking] = await bookDirectly();
		const mailer = new RecordingMailer();
		await notifyCustomer(env, mailer, config(), created(booking!.id));
		expect(mailer.outbox[0]?.text).not.toMatch(/video|follows/i);
	});
});

describe("the manage page and its .ics", () => {
	beforeEach(async () => {
		await seedDemo();
	});

	async function managed(): Promise<{ id: string; path: string; search: string }> {
		await placeService("svc_demo_cut", { kind: "google_meet" });
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "Pia Page", email: `page-${crypto.randomUUID()}@example.com` } }));
		const { booking } = await res.json<{ booking: { id: string; manageUrl: string } }>();
		await flushSchedule();
		const url = new URL(booking.manageUrl);
		return { id: booking.id, path: `${url.pathname}${url.search}`, search: url.search };
	}

	it("says the link is pending until it exists, then shows Join with it, and the .ics carries it", async () => {
		const link = joinLink();
		const booking = await managed();
		const before = await (await api(booking.path)).text();
		expect(before).toContain("Meeting link pending");
		expect(before).not.toContain("slotline-join");

		await writeMeeting({ id: booking.id }, { state: "pending", error: "Google is still making the Google Meet meeting" });
		const pending = await (await api(booking.path)).text();
		expect(pending).toContain("Meeting link pending");
		// The provider's error is the merchant's to read.
		expect(pending).not.toContain("still making");

		await writeMeeting({ id: booking.id }, { state: "ready", joinUrl: link });
		const ready = await (await api(booking.path)).text();
		expect(ready).toMatch(new RegExp(`<a[^>]*id="slotline-join"[^>]*href="${link}"|<a[^>]*href="${link}"[^>]*id="slotline-join"`));
		expect(ready).not.toContain("Meeting link pending");
		const ics = icsFields(await (await api(`/api/v1/bookings/${booking.id}/calendar.ics${booking.search}`)).text());
		expect(ics).toMatchObject({ location: link, url: link });
		expect(ics.description).toContain(link);
	});
});

describe("the customer's account page", () => {
	let world: AdminWorld;
	beforeEach(async () => {
		world = await adminWorld();
	});

	async function customer(): Promise<{ browser: Browser; email: string }> {
		const email = uniqueEmail("acct");
		const browser = world.h.browser();
		await signUp(world.h, browser, email);
		await world.h.request("/auth/verify-email", { method: "POST", browser, json: { token: tokenFromMail(world.h.mailer, email) } });
		return { browser, email };
	}

	async function bookAs(browser: Browser, time: string): Promise<string> {
		const res = await world.h.request("/api/v1/m/demo/bookings", {
			method: "POST",
			browser,
			json: { serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(upcoming(4), time), timezone: "Europe/Amsterdam", customer: { name: "Ada Account", email: "typed@example.com" } },
		});
		expect(res.status).toBe(201);
		await flushSchedule();
		return (await res.json<{ booking: { id: string } }>()).booking.id;
	}

	it("shows Join once the link exists, 'pending' before, in the page and in /api/v1/me/bookings", async () => {
		const link = joinLink();
		await placeService("svc_demo_cut", { kind: "microsoft_teams" });
		const { browser } = await customer();
		const ready = await bookAs(browser, "10:00");
		const waiting = await bookAs(browser, "14:00");
		await writeMeeting({ id: ready }, { state: "ready", joinUrl: link, provider: "microsoft_teams" });
		await writeMeeting({ id: waiting }, { state: "failed", error: "This Microsoft account cannot host Teams meetings", provider: "microsoft_teams" });

		const page = await (await world.h.request("/account", { browser })).text();
		expect(page).toContain(`href="${link}"`);
		expect(page).toContain("Meeting link pending");
		expect(page).not.toContain("cannot host Teams");

		const list = await (await world.h.request("/api/v1/me/bookings", { browser })).json<{ bookings: Array<{ id: string; meeting: unknown }> }>();
		expect(list.bookings.find((b) => b.id === ready)?.meeting).toEqual({ provider: "microsoft_teams", joinUrl: link });
		expect(list.bookings.find((b) => b.id === waiting)?.meeting).toEqual({ provider: "microsoft_teams", joinUrl: null });
		const one = await (await world.h.request(`/api/v1/me/bookings/${ready}`, { browser })).json<{ booking: { meeting: unknown } }>();
		expect(one.booking.meeting).toEqual({ provider: "microsoft_teams", joinUrl: link });
	});
});

describe("the admin's booking view and Retry", () => {
	let world: AdminWorld;
	beforeEach(async () => {
		world = await adminWorld();
	});

	/** The meeting once its link is stored (the Worker's queue runs the jobs on its own time). */
	async function meetingOnceReady(id: string) {
		const deadline = Date.now() + 30_000;
		for (;;) {
			const row = await meetingById(db, id);
			if ((row !== null && row.state === "ready") || Date.now() > deadline) {
				if (row === null) throw new Error("no meeting row");
				return row;
			}
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}

	const range = () => `from=${upcoming(2).subtract({ days: 1 })}&to=${upcoming(2).add({ days: 1 })}`;

	async function adminBooking(id: string, as: Browser = world.owner): Promise<AdminBookingJson> {
		const res = await call<{ booking: AdminBookingJson }>(world, as, "GET", `/bookings/${id}`);
		expect(res.status).toBe(200);
		return res.body.booking;
	}

	it("shows the link to an owner and the booking's staff member, where it stands to a colleague, and pending before any row", async () => {
		const link = joinLink();
		await placeService("svc_demo_cut", { kind: "google_meet" });
		const [ana] = await bookDirectly();
		const [ben] = await bookDirectly({ staffId: "stf_demo_ben", start: weekdayAt(2, "11:00") });
		expect((await adminBooking(ana!.id)).meeting).toEqual({ provider: "google_meet", state: "pending", joinUrl: null, error: null });

		await writeMeeting(ana!, { state: "ready", joinUrl: link });
		await writeMeeting(ben!, { state: "ready", joinUrl: joinLink() });
		expect((await adminBooking(ana!.id)).meeting).toEqual({ provider: "google_meet", state: "ready", joinUrl: link, error: null });
		expect((await adminBooking(ana!.id, world.staffMember)).meeting?.joinUrl).toBe(link);
		// Ana sees where Ben's stands, not his customer's link.
		expect((await adminBooking(ben!.id, world.staffMember)).meeting).toMatchObject({ state: "ready", joinUrl: null });
		const listed = await call<{ bookings: AdminBookingJson[] }>(world, world.owner, "GET", `/bookings?${range()}`);
		expect(listed.body.bookings.find((b) => b.id === ana!.id)?.meeting?.joinUrl).toBe(link);

		// The calendar page hands the island the same view.
		const calendar = await (await world.h.request(`/admin/calendar?view=day&date=${upcoming(2)}`, { browser: world.owner })).text();
		expect(calendar).toContain(link);
	});

	it("Retry makes a Meet meeting the calendar refused, once Meet is allowed there (Google sandbox, the real queue)", { timeout: 90_000 }, async () => {
		const meet = meetingWorld();
		const { connection, write } = await connectStaff(meet.context, "google");
		await meet.queue.idle();
		const conferencing = `/google/calendars/${encodeURIComponent(write.externalId)}/conferencing`;
		await control(conferencing, { allowedConferenceSolutionTypes: [] });
		await placeService("svc_demo_cut", { kind: "google_meet" });
		const email = `retry-${crypto.randomUUID()}@example.com`;
		const [booking] = await book({ customer: { name: "Rey Retry", email, phone: null } });
		await settle(meet);
		const refused = (await adminBooking(booking!.id)).meeting;
		expect(refused).toMatchObject({ provider: "google_meet", state: "failed", joinUrl: null });
		expect(refused?.error).toMatch(/Google Meet is not allowed on this Google calendar/);
		const [confirmation] = await mailTo(email, 1);
		expect(confirmation?.text).toContain("Your video link follows in a separate email");

		await control(conferencing, { allowedConferenceSolutionTypes: ["hangoutsMeet"], creation: "success" });
		await refreshCalendars(meet.context, connection);
		const retried = await call(world, world.owner, "POST", `/bookings/${booking!.id}/meeting/retry`);
		expect(retried.status).toBe(202);
		// Through the Worker's own queue and consumer: the calendar push writes the event again, asking for Meet.
		const made = await meetingOnceReady(booking!.id);
		expect(made.joinUrl).toMatch(/^https:\/\/meet\.google\.com\//);
		expect((await adminBooking(booking!.id)).meeting).toEqual({ provider: "google_meet", state: "ready", joinUrl: made.joinUrl, error: null });
		const [event] = await liveEvents("google", write.externalId);
		expect(event?.hangoutLink).toBe(made.joinUrl);
		// And the customer, told the link would follow, gets it.
		const mails = await mailTo(email, 2);
		expect(mails[1]?.subject).toMatch(/^Your video link for Haircut/);
		expect(mails[1]?.text).toContain(made.joinUrl!);
	});

	it("Retry asks Google again under a new request id when its conference creation failed (a repeated id gets the failure again)", { timeout: 90_000 }, async () => {
		const meet = meetingWorld();
		const { write } = await connectStaff(meet.context, "google");
		await meet.queue.idle();
		const conferencing = `/google/calendars/${encodeURIComponent(write.externalId)}/conferencing`;
		await control(conferencing, { creation: "failure" });
		await placeService("svc_demo_cut", { kind: "google_meet" });
		const [booking] = await book({ customer: { name: "Fay Failure", email: `failure-${crypto.randomUUID()}@example.com`, phone: null } });
		await settle(meet);
		expect((await adminBooking(booking!.id)).meeting).toMatchObject({ provider: "google_meet", state: "failed", joinUrl: null });

		await control(conferencing, { creation: "success" });
		expect((await call(world, world.owner, "POST", `/bookings/${booking!.id}/meeting/retry`)).status).toBe(202);
		const made = await meetingOnceReady(booking!.id);
		expect(made.joinUrl).toMatch(/^https:\/\/meet\.google\.com\//);
		const [event] = await liveEvents("google", write.externalId);
		expect(event?.hangoutLink).toBe(made.joinUrl);
	});

	it("Retry of a Zoom meeting runs its meeting.push again; Meet without a calendar to carry it is refused with the reason", { timeout: 60_000 }, async () => {
		const meet = meetingWorld();
		await placeService("svc_demo_cut", { kind: "google_meet" });
		const [booking] = await bookDirectly();
		await writeMeeting(booking!, { state: "failed", error: "Google Meet is not allowed on this Google calendar" });
		const noCalendar = await call(world, world.owner, "POST", `/bookings/${booking!.id}/meeting/retry`);
		expect(noCalendar.status).toBe(422);
		expect((noCalendar.body as { type: string }).type).toMatch(/\/no-write-calendar$/);
		expect(await meetingById(db, booking!.id)).toMatchObject({ state: "failed" });

		// On Zoom, with no Zoom connected: the job runs and says what is missing instead of the old refusal.
		await placeService("svc_demo_cut", { kind: "zoom" });
		await writeMeeting(booking!, { state: "failed", error: "Zoom refused the meeting", provider: "zoom" });
		await retryMeeting(meet.context, { merchantId: DEMO_MERCHANT_ID, role: "owner", staffId: null }, booking!.id);
		expect(await meetingById(db, booking!.id)).toMatchObject({ state: "pending", error: null });
		await settle(meet);
		expect(await meetingById(db, booking!.id)).toMatchObject({ provider: "zoom", state: "pending", error: NO_ZOOM_MESSAGE });
	});

	it("refuses Retry for another merchant's booking (404), without the CSRF token (403), and to a colleague (403)", async () => {
		await placeService("svc_demo_cut", { kind: "zoom" });
		const [ben] = await bookDirectly({ staffId: "stf_demo_ben" });
		await writeMeeting(ben!, { state: "failed", error: "Zoom refused", provider: "zoom" });
		await writeMeeting({ id: RIVAL.bookingId, merchantId: RIVAL.merchantId }, { state: "failed", error: "rival secret error", provider: "zoom" });

		const foreign = await call(world, world.owner, "POST", `/bookings/${RIVAL.bookingId}/meeting/retry`);
		expect(foreign.status).toBe(404);
		expect(JSON.stringify(foreign.body)).not.toContain("rival secret");
		expect((await call(world, world.owner, "GET", `/bookings/${RIVAL.bookingId}`)).status).toBe(404);

		const noCsrf = await world.h.request(`/admin/api/bookings/${ben!.id}/meeting/retry`, { method: "POST", browser: { ...world.owner, csrfToken: "" } });
		expect(noCsrf.status).toBe(403);
		expect((await call(world, world.staffMember, "POST", `/bookings/${ben!.id}/meeting/retry`)).status).toBe(403);
		// Refused, so still failed: nothing was retried.
		expect(await meetingById(db, ben!.id)).toMatchObject({ state: "failed" });
	});
});
