import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { CloudflareEmailMailer, HttpMailboxMailer, mailerFor } from "../../src/mail/mailer";

const sandboxUrl = inject("sandboxUrl");

describe("mail port", () => {
	it("picks the sandbox mailbox when MAIL_SANDBOX_URL is set, the EMAIL binding otherwise", () => {
		expect(mailerFor({ MAIL_SANDBOX_URL: sandboxUrl, MAIL_FROM: "a@b.example", EMAIL: env.EMAIL })).toBeInstanceOf(HttpMailboxMailer);
		expect(mailerFor({ MAIL_SANDBOX_URL: "", MAIL_FROM: "a@b.example", EMAIL: env.EMAIL })).toBeInstanceOf(CloudflareEmailMailer);
	});

	it("delivers to the sandbox mailbox with attachments", async () => {
		const to = `mail-${crypto.randomUUID()}@example.com`;
		const invite = btoa("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
		await mailerFor(env).send({
			to,
			subject: "Your booking",
			text: "See you soon",
			html: "<p>See you soon</p>",
			attachments: [{ filename: "invite.ics", contentType: "text/calendar; method=REQUEST", content: invite }],
		});
		const { messages: inbox } = await (await fetch(`${sandboxUrl}/_control/mail?to=${encodeURIComponent(to)}`)).json<{
			messages: Array<{ from: string; subject: string; text: string; attachments: Array<{ filename: string; content: string }> }>;
		}>();
		expect(inbox).toHaveLength(1);
		expect(inbox[0]).toMatchObject({ from: env.MAIL_FROM, subject: "Your booking", text: "See you soon" });
		expect(inbox[0]?.attachments[0]).toMatchObject({ filename: "invite.ics", content: invite });
	});

	it("reports a mailbox failure without the message", async () => {
		const mailer = new HttpMailboxMailer(`${sandboxUrl}/no-such-prefix`, "a@b.example");
		const error = await mailer.send({ to: "x@example.com", subject: "s", text: "secret link" }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toMatch(/^Mailbox answered 404$/);
	});

	it("builds a MIME message for the send_email binding", async () => {
		const sent: EmailMessage[] = [];
		const binding = {
			async send(message: EmailMessage): Promise<EmailSendResult> {
				sent.push(message);
				return { messageId: "m1" } as EmailSendResult;
			},
		} as SendEmail;
		await new CloudflareEmailMailer(binding, "bookings@slotline.example").send({
			to: "guest@example.com",
			subject: "Hello",
			text: "Plain",
			html: "<b>Rich</b>",
			attachments: [{ filename: "a.ics", contentType: "text/calendar", content: btoa("X") }],
		});
		expect(sent).toHaveLength(1);
		expect(sent[0]).toMatchObject({ from: "bookings@slotline.example", to: "guest@example.com" });
	});
});
