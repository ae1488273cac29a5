// Reads the provider sandbox's mailbox, where the queue's customer emails land in tests.
import { inject } from "vitest";

export interface MailJson {
	subject: string;
	text: string;
	html?: string;
	receivedAt: string;
	attachments: Array<{ filename: string; contentType: string; content: string }>;
}

/** Polls the sandbox mailbox until `count` messages reached `to` (the queue delivers asynchronously). */
export async function mailTo(to: string, count: number): Promise<MailJson[]> {
	const sandboxUrl = inject("sandboxUrl");
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
