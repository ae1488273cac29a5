// Mail from request handlers: the Mailer on c.var.mailer (a test may supply its own) and background sending.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { mailerFor } from "../mail/mailer";
import type { MailMessage } from "../mail/mailer";
import type { AppEnv } from "./context";

export const provideMailer = createMiddleware<AppEnv>(async function provideMailer(c, next) {
	if (c.get("mailer") === undefined) c.set("mailer", mailerFor(c.env));
	await next();
});

/**
 * Sends after the response (waitUntil): the caller's latency does not depend on the mail
 * provider, and "account exists" and "no account" answer equally fast. Failures are logged
 * without the message, which may hold a one-time link.
 */
export function sendInBackground(c: Context<AppEnv>, message: MailMessage, kind: string): void {
	const sending = c.var.mailer.send(message).catch(function logMailFailure(error: unknown) {
		const name = error instanceof Error ? error.name : "unknown";
		console.error(JSON.stringify({ level: "error", msg: "mail not sent", kind, error: name }));
	});
	c.executionCtx.waitUntil(sending);
}
