import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { notifyCustomer } from "../../src/booking/notify";
import { database } from "../../src/db/client";
import { RecordingMailer } from "../../src/mail/recording-mailer";
import { at, bookingBody, postJson, seedDemo, upcoming } from "../support/demo";

interface MailJson {
	subject: string;
	text: string;
	receivedAt: string;
	attachments: Array<{ filename: string; contentType: string; content: string }>;
}

const sandboxUrl = inject("sandboxUrl");

function decode(base64: string): string {
	return new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}

/** Polls the sandbox mailbox until `count` messages reached `to` (the queue delivers asynchronously). */
async function mailTo(to: string, count: number): Promise<MailJson[]> {
	const deadline = Date.now() + 20_000;
	for (;;) {
		const res = await fetch(`${sandboxUrl}/_control/mail?to=${encodeURIComponent(to)}`);
		const { messages } = await res.json<{ messages: MailJson[] }>();
		// Oldest first, whatever order the mailbox lists them in.
		messages.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
		if (messages.length >= count || Date.now() > deadline) return messages;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

beforeEach(async () => {
	await seedDemo();
});

describe("customer emails", () => {
	it("confirms, reschedules and cancels through the queue, with a stable UID and growing SEQUENCE", { timeout: 60_000 }, async () => {
		const email = `mail-${crypto.randomUUID()}@example.com`;
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "Mia Mail", email }, notes: "Window seat" }));
		expect(res.status).toBe(201);
		const { booking } = await res.json<{ booking: { id: string; manageUrl: string } }>();

		const [confirmation] = await mailTo(email, 1);
		expect(confirmation?.subject).toMatch(/^Booking confirmed: Haircut with Demo Studio/);
		expect(confirmation?.text).toContain(booking.manageUrl);
		const ics = decode(confirmation!.attachments[0]!.content);
		expect(confirmation?.attachments[0]?.contentType).toContain("method=REQUEST");
		expect(ics).toContain("METHOD:REQUEST");
		expect(ics).toContain(`UID:${booking.id}@slotline`);
		expect(ics).toContain("SEQUENCE:0");
		expect(ics).toContain(`DTSTART:${at(upcoming(2), "10:00").replace(/[-:]/g, "").replace(".000", "")}`);

		const token = new URL(booking.manageUrl).searchParams.get("token");
		expect((await postJson(`/api/v1/bookings/${booking.id}/reschedule?token=${token}`, { start: at(upcoming(2), "15:00") })).status).toBe(200);
		const afterMove = await mailTo(email, 2);
		expect(afterMove[1]?.subject).toMatch(/^Booking moved/);
		const moved = decode(afterMove[1]!.attachments[0]!.content);
		expect(moved).toContain(`UID:${booking.id}@slotline`);
		expect(moved).toContain("SEQUENCE:1");

		expect((await postJson(`/api/v1/bookings/${booking.id}/cancel?token=${token}`, {})).status).toBe(200);
		const afterCancel = await mailTo(email, 3);
		expect(afterCancel[2]?.subject).toMatch(/^Booking cancelled/);
		const cancelled = decode(afterCancel[2]!.attachments[0]!.content);
		expect(cancelled).toContain("METHOD:CANCEL");
		expect(cancelled).toContain("SEQUENCE:2");
	});

	it("sends one email for a whole series, listing every occurrence as an RDATE", async () => {
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ recurrence: { frequency: "weekly", count: 3 } }));
		const { occurrences } = await res.json<{ occurrences: Array<{ id: string }> }>();
		const mailer = new RecordingMailer();
		const config = { appUrl: "http://localhost:8787", sessionSecret: env.SESSION_SECRET, mailFrom: env.MAIL_FROM, now: Date.now() };
		const outcomes = [];
		for (const occurrence of occurrences) {
			outcomes.push(await notifyCustomer(database(env.DB), mailer, config, { type: "booking.notify", merchantId: "mer_demo", bookingId: occurrence.id, version: 1, change: "created" }));
		}
		expect(outcomes).toEqual(["sent", "skipped", "skipped"]);
		const ics = decode(mailer.outbox[0]!.attachments![0]!.content);
		expect(ics.match(/^RDATE/gm)).toHaveLength(2);
		expect(mailer.outbox[0]?.text.match(/•/g)).toHaveLength(3);
	});

	it("does not email the customer about merchant-only changes or walk-ins", async () => {
		const mailer = new RecordingMailer();
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody());
		const { booking } = await res.json<{ booking: { id: string } }>();
		const config = { appUrl: "http://localhost:8787", sessionSecret: env.SESSION_SECRET, mailFrom: env.MAIL_FROM, now: Date.now() };
		const outcome = await notifyCustomer(database(env.DB), mailer, config, { type: "booking.notify", merchantId: "mer_demo", bookingId: booking.id, version: 2, change: "updated" });
		expect(outcome).toBe("skipped");
		expect(mailer.outbox).toHaveLength(0);
	});
});
