// Links in account emails: a page of this app with a one-time token, and the verification mail.
import type { Context } from "hono";
import { verificationEmail } from "../../auth/emails";
import { issueEmailToken } from "../../auth/tokens";
import type { AppEnv } from "../context";
import { sendInBackground } from "../mailer";

export function appLink(c: Context<AppEnv>, path: string, token: string): string {
	const url = new URL(path, c.env.APP_URL);
	url.searchParams.set("token", token);
	return url.toString();
}

/**
 * Mails a link confirming `email` for the account. `payload` marks a change of address: the link
 * then moves the account to `email` instead of confirming its current one.
 */
export async function sendVerification(
	c: Context<AppEnv>,
	userId: string,
	email: string,
	now: number,
	payload: Record<string, unknown> | null = null,
): Promise<void> {
	const token = await issueEmailToken(c.var.db, { purpose: "verify-email", userId, email, payload }, now);
	sendInBackground(c, verificationEmail(email, appLink(c, "/auth/verify-email", token)), "verify-email");
}
