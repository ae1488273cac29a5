// A Mailer that keeps messages in memory: for tests, and for code that wants to inspect mail before sending.
import type { MailMessage, Mailer } from "./mailer";

export class RecordingMailer implements Mailer {
	readonly outbox: MailMessage[] = [];

	async send(message: MailMessage): Promise<void> {
		this.outbox.push(message);
	}

	/** The newest message to `to`, or undefined. */
	lastTo(to: string): MailMessage | undefined {
		return this.outbox.findLast((message) => message.to === to);
	}
}
