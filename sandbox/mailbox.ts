// Local mailbox standing in for an email provider: Slotline POSTs mail here; people read it at GET /mail.
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { faultGuard } from "./faults";
import type { FaultRegistry, InjectedFault, RequestSubject } from "./faults";
import { SandboxHttpError } from "./http-error";
import { opaqueToken } from "./ids";
import { renderInbox, renderMessage } from "./pages/mail";

const addressList = z.union([z.string().min(3), z.array(z.string().min(3)).min(1)]);

export const messageInput = z.object({
	from: z.string().min(3),
	to: addressList,
	subject: z.string(),
	text: z.string(),
	html: z.string().optional(),
	attachments: z
		.array(z.object({ filename: z.string().min(1), contentType: z.string().min(1), content: z.base64() }))
		.optional(),
});

export interface StoredAttachment {
	filename: string;
	contentType: string;
	/** base64, as received. */
	content: string;
	size: number;
}

export interface StoredMessage {
	id: string;
	from: string;
	to: string[];
	subject: string;
	text: string;
	html?: string;
	attachments: StoredAttachment[];
	receivedAt: string;
}

export class Mailbox {
	private messages: StoredMessage[] = [];

	add(input: z.infer<typeof messageInput>, receivedAt: string): StoredMessage {
		const message: StoredMessage = {
			id: opaqueToken("msg_"),
			from: input.from,
			to: Array.isArray(input.to) ? input.to : [input.to],
			subject: input.subject,
			text: input.text,
			attachments: (input.attachments ?? []).map((a) => ({
				...a,
				size: Buffer.from(a.content, "base64").length,
			})),
			receivedAt,
		};
		if (input.html !== undefined) message.html = input.html;
		this.messages.push(message);
		return message;
	}

	/** Newest first; `to` matches any recipient case-insensitively. */
	list(to?: string): StoredMessage[] {
		const wanted = to?.toLowerCase();
		return this.messages
			.filter((m) => wanted === undefined || m.to.some((addr) => addr.toLowerCase().includes(wanted)))
			.reverse();
	}

	get(id: string): StoredMessage | undefined {
		return this.messages.find((m) => m.id === id);
	}
}

function notFound(): SandboxHttpError {
	return new SandboxHttpError(404, { error: "message not found" });
}

/** A mail service that is down or throttling ("mail" faults on messages.send). */
function mailFaultError(fault: InjectedFault): SandboxHttpError {
	return new SandboxHttpError(fault.status, { error: "mail service unavailable" }, fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) });
}

/** A message's first recipient is the account a scoped mail fault names. */
async function recipient(c: Context): Promise<RequestSubject> {
	const to = ((await c.req.json().catch(() => null)) as { to?: unknown } | null)?.to;
	const first = Array.isArray(to) ? to[0] : to;
	return typeof first === "string" ? { account: first } : {};
}

export function mailRoutes(mailbox: () => Mailbox, now: () => number, faults: () => FaultRegistry): Hono {
	const app = new Hono();
	app.post("/messages", faultGuard(faults, "mail", "messages.send", mailFaultError, recipient), async (c) => {
		const parsed = messageInput.safeParse(await c.req.json().catch(() => null));
		if (!parsed.success) throw new SandboxHttpError(400, { error: "invalid message", issues: parsed.error.issues });
		const message = mailbox().add(parsed.data, new Date(now()).toISOString());
		return c.json({ id: message.id }, 201);
	});
	app.get("/", (c) => c.html(renderInbox(mailbox().list(c.req.query("to")), c.req.query("to"))));
	app.get("/:id", (c) => {
		const message = mailbox().get(c.req.param("id"));
		if (message === undefined) throw notFound();
		return c.html(renderMessage(message));
	});
	app.get("/:id/attachments/:index", (c) => {
		const attachment = mailbox().get(c.req.param("id"))?.attachments[Number(c.req.param("index"))];
		if (attachment === undefined) throw notFound();
		return c.body(Buffer.from(attachment.content, "base64"), 200, {
			"content-type": attachment.contentType,
			"content-disposition": `inline; filename="${attachment.filename.replaceAll('"', "")}"`,
		});
	});
	return app;
}
