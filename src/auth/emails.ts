// The account emails (verification, password reset, staff invitation), as Mailer messages.
import type { MailMessage } from "../mail/mailer";

function escapeHtml(value: string): string {
	return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function linkMessage(to: string, subject: string, intro: string, action: string, link: string, outro: string): MailMessage {
	const text = `${intro}\n\n${action}: ${link}\n\n${outro}\n`;
	const html =
		`<p>${escapeHtml(intro)}</p>` +
		`<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>` +
		`<p style="color:#666">${escapeHtml(outro)}</p>`;
	return { to, subject, text, html };
}

export function verificationEmail(to: string, link: string): MailMessage {
	return linkMessage(
		to,
		"Confirm your email address",
		"Please confirm that this is your email address for Slotline.",
		"Confirm email address",
		link,
		"The link works once and expires in 24 hours. If you did not create an account, ignore this email.",
	);
}

export function passwordResetEmail(to: string, link: string): MailMessage {
	return linkMessage(
		to,
		"Reset your Slotline password",
		"Someone (hopefully you) asked to reset the password of your Slotline account.",
		"Choose a new password",
		link,
		"The link works once and expires in 1 hour. Resetting signs you out on every device. If you did not ask for this, ignore this email.",
	);
}

export function staffInvitationEmail(to: string, merchantName: string, link: string): MailMessage {
	return linkMessage(
		to,
		`You're invited to join ${merchantName} on Slotline`,
		`${merchantName} invited you to manage your bookings and calendar on Slotline.`,
		"Accept the invitation",
		link,
		"The link works once and expires in 7 days.",
	);
}

/**
 * Says exactly what confirming does: which provider account gets into which Slotline account, and
 * that the link only works in the browser that started the sign-in, so a stranger's request is
 * recognisable and harmless.
 */
export function linkLoginEmail(to: string, providerTitle: string, providerAccountName: string | null, link: string): MailMessage {
	const who = providerAccountName === null ? `a ${providerTitle} account` : `the ${providerTitle} account of "${providerAccountName}"`;
	return linkMessage(
		to,
		`Confirm signing in to Slotline with ${providerTitle}`,
		`Someone signed in to Slotline with ${who} and asked to use ${to} with it. ` +
			`If you confirm, that ${providerTitle} account becomes a way into the Slotline account of ${to} (a new account is opened if there is none): ` +
			`whoever can sign in to that ${providerTitle} account will be able to sign in to it, see its bookings and change them.`,
		`Confirm and link ${providerTitle}`,
		link,
		`The link works once, only in the browser where that ${providerTitle} sign-in was started, and expires in 30 minutes. ` +
			`If that was not you, ignore this email: nothing changes.`,
	);
}
