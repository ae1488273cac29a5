// The outgoing mail port: one small interface for every email Slotline sends (sign-in links,
// booking confirmations), with an HTTP mailbox for local development and Cloudflare Email for production.
import { EmailMessage } from "cloudflare:email";
import { loadMimeText } from "../lazy";

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

/**
 * How long one send may take before it counts as failed. It bounds how long a customer email's claim
 * is held (src/booking/email-ledger.ts), so a delivery that dies mid-send blocks its retries only briefly.
 */
export const MAIL_SEND_TIMEOUT_MS = 20_000;

export class MailTimeoutError extends Error {
	override readonly name = "MailTimeoutError";
	constructor() {
		super(`the mail service did not answer within ${MAIL_SEND_TIMEOUT_MS / 1000} s`);
	}
}

/** `work`, or MailTimeoutError once MAIL_SEND_TIMEOUT_MS have passed (for a send that takes no AbortSignal). */
async function withinTimeout<T>(work: Promise<T>): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new MailTimeoutError()), MAIL_SEND_TIMEOUT_MS);
	});
	try {
		return await Promise.race([work, timeout]);
	} finally {
		clearTimeout(timer);
	}
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
			signal: AbortSignal.timeout(MAIL_SEND_TIMEOUT_MS),
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
		const { createMimeMessage } = await loadMimeText();
		const mime = createMimeMessage();
		mime.setSender({ name: "Slotline", addr: this.from });
		mime.setRecipient(message.to);
		mime.setSubject(message.subject);
		mime.addMessage({ contentType: "text/plain", data: message.text });
		if (message.html !== undefined) mime.addMessage({ contentType: "text/html", data: message.html });
		for (const attachment of message.attachments ?? []) {
			mime.addAttachment({ filename: attachment.filename, contentType: attachment.contentType, data: attachment.content });
		}
		await withinTimeout(this.binding.send(new EmailMessage(this.from, message.to, mime.asRaw())));
	}
}

/** The mailer the environment asks for: the sandbox mailbox when MAIL_SANDBOX_URL is set. */
export function mailerFor(env: Pick<Env, "MAIL_SANDBOX_URL" | "MAIL_FROM" | "EMAIL">): Mailer {
	if (env.MAIL_SANDBOX_URL !== "") return new HttpMailboxMailer(env.MAIL_SANDBOX_URL, env.MAIL_FROM);
	return new CloudflareEmailMailer(env.EMAIL, env.MAIL_FROM);
}
