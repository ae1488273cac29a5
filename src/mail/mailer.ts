// The outgoing mail port: one small interface for every email Slotline sends (sign-in links,
// booking confirmations), with an HTTP mailbox for local development and Cloudflare Email for production.
import { EmailMessage } from "cloudflare:email";
import { createMimeMessage } from "mimetext/browser";

export interface MailAttachment {
	filename: string;
	/** e.g. "text/calendar; method=REQUEST". */
	contentType: string;
	/** Base64. */
	content: string;
}

export interface MailMessage {
	to: string;
	subject: string;
	text: string;
	html?: string;
	attachments?: MailAttachment[];
}

export interface Mailer {
	send(message: MailMessage): Promise<void>;
}

/** Sends to the sandbox mailbox (`POST {base}/mail/messages`), where people and tests read it. */
export class HttpMailboxMailer implements Mailer {
	constructor(
		private readonly baseUrl: string,
		private readonly from: string,
	) {}

	async send(message: MailMessage): Promise<void> {
		const response = await fetch(`${this.baseUrl.replace(/\/+$/, "")}/mail/messages`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ from: this.from, ...message }),
		});
		// Only the status: the body could echo the message, and messages carry one-time links.
		if (!response.ok) throw new Error(`Mailbox answered ${response.status}`);
	}
}

/** Sends through the `send_email` binding (needs Email Routing on the sender's domain). */
export class CloudflareEmailMailer implements Mailer {
	constructor(
		private readonly binding: SendEmail,
		private readonly from: string,
	) {}

	async send(message: MailMessage): Promise<void> {
		const mime = createMimeMessage();
		mime.setSender({ name: "Slotline", addr: this.from });
		mime.setRecipient(message.to);
		mime.setSubject(message.subject);
		mime.addMessage({ contentType: "text/plain", data: message.text });
		if (message.html !== undefined) mime.addMessage({ contentType: "text/html", data: message.html });
		for (const attachment of message.attachments ?? []) {
			mime.addAttachment({ filename: attachment.filename, contentType: attachment.contentType, data: attachment.content });
		}
		await this.binding.send(new EmailMessage(this.from, message.to, mime.asRaw()));
	}
}

/** The mailer the environment asks for: the sandbox mailbox when MAIL_SANDBOX_URL is set. */
export function mailerFor(env: Pick<Env, "MAIL_SANDBOX_URL" | "MAIL_FROM" | "EMAIL">): Mailer {
	if (env.MAIL_SANDBOX_URL !== "") return new HttpMailboxMailer(env.MAIL_SANDBOX_URL, env.MAIL_FROM);
	return new CloudflareEmailMailer(env.EMAIL, env.MAIL_FROM);
}
