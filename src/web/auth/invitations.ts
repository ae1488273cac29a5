// Staff invitations: an owner emails a one-time link; the invitee accepts it with a password (or,
// through /auth/google?invitation=, with the Google account of the invited address) and becomes a
// staff member of that merchant, with an account created if needed.
import type { Context } from "hono";
import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { staffInvitationEmail } from "../../auth/emails";
import { IdentityLinkError, signInWithIdentity } from "../../auth/identity-link";
import { takeOverUnprovenAccount } from "../../auth/mailbox-proof";
import { hashPassword, passwordSchema, verifyPassword } from "../../auth/password";
import type { ProviderProfile } from "../../oauth/profile";
import { reserveSignInAttempt, signInSucceeded } from "../../auth/rate-limit";
import { joinAsStaff, liveInvitation, useInvitation } from "../../auth/staff-invitation";
import type { Invitation } from "../../auth/staff-invitation";
import { issueEmailToken } from "../../auth/tokens";
import type { Database } from "../../db/client";
import { setPasswordHash, userByEmail } from "../../db/queries/users";
import type { UserByEmail } from "../../db/queries/users";
import { memberships, merchants, staff, users } from "../../db/schema";
import { NotFoundError, UnauthorizedError, UnprocessableError, ValidationError } from "../../errors";
import { newId } from "../../ids";
import type { AppEnv } from "../context";
import { sendInBackground } from "../mailer";
import { zodFieldProblems } from "../problem";
import { requireSameOrigin } from "./csrf-protection";
import { parseJsonBody } from "./json-body";
import type { OAuthFlow } from "./oauth-flow";
import { signInFailure } from "./oauth-flow";
import { requireMerchantMember } from "./require";
import { startSession } from "./session-cookie";
import { sessionView } from "./session-view";

const acceptBody = z.object({
	token: z.string().min(1).max(200),
	// Checked against the policy only for a new password; an existing account's password is just verified.
	password: z.string().min(1).max(256),
	firstName: z.string().trim().min(1).max(100).optional(),
	lastName: z.string().trim().min(1).max(100).optional(),
});

/**
 * Only an account whose owner proved the address keeps its password: joining then needs it. An
 * unproven account's password may be a squatter's, and the invitation link is the better proof.
 */
function joinsWithOwnPassword(account: UserByEmail | undefined): account is UserByEmail & { passwordHash: string } {
	return account !== undefined && account.passwordHash !== null && account.emailVerifiedAt !== null;
}

/** What the invitation page shows: who invites whom, and how the invitee joins. */
export interface InvitationView {
	merchantName: string;
	staffName: string;
	email: string;
	accountExists: boolean;
	/** The invited address has an account with a password: joining asks for that password. */
	passwordRequired: boolean;
}

export async function invitationView(db: Database, token: string, now: number): Promise<InvitationView> {
	const invitation = await liveInvitation(db, token, now);
	const account = await userByEmail(db, invitation.email);
	return {
		merchantName: invitation.merchantName,
		staffName: invitation.staffName,
		email: invitation.email,
		accountExists: account !== undefined,
		passwordRequired: joinsWithOwnPassword(account),
	};
}

/** Mounted at /admin/api: the owner's side. */
export const staffInvitations = new Hono<AppEnv>().post("/staff/:staffId/invite", requireMerchantMember("owner"), async (c) => {
	const merchantId = c.var.membership?.merchantId ?? "";
	const now = Date.now();
	const member = await c.var.db
		.select({ id: staff.id, email: staff.email, active: staff.active, merchantName: merchants.name })
		.from(staff)
		.innerJoin(merchants, eq(merchants.id, staff.merchantId))
		.where(and(eq(staff.id, c.req.param("staffId")), eq(staff.merchantId, merchantId)))
		.get();
	if (member === undefined) throw new NotFoundError("Staff member");
	if (!member.active) throw new UnprocessableError("staff-inactive", "This staff member is deactivated. Reactivate them first, then send the invitation.");
	const taken = await c.var.db.select({ userId: memberships.userId }).from(memberships).where(eq(memberships.staffId, member.id)).get();
	if (taken !== undefined) throw new UnprocessableError("already-member", "This staff member already has an account here.");
	const email = member.email.trim().toLowerCase();
	const existing = await userByEmail(c.var.db, email);
	const token = await issueEmailToken(
		c.var.db,
		{ purpose: "invite", email, userId: existing?.id ?? null, merchantId, staffId: member.id },
		now,
	);
	const link = new URL("/invitations/accept", c.env.APP_URL);
	link.searchParams.set("token", token);
	sendInBackground(c, staffInvitationEmail(email, member.merchantName, link.toString()), "invite");
	return c.json({ email, status: "sent" }, 202);
});

/** Mounted at /auth: the invitee's side. */
export const invitationAcceptance = new Hono<AppEnv>()
	.use(requireSameOrigin)

	// Shows what the link is for without using it up (a mail scanner may open it first).
	.get("/invitations", async (c) => {
		const view = await invitationView(c.var.db, c.req.query("token") ?? "", Date.now());
		c.header("cache-control", "no-store");
		return c.json(view);
	})

	.post("/invitations/accept", async (c) => {
		const body = await parseJsonBody(c, acceptBody);
		const now = Date.now();
		const db = c.var.db;
		// Peek first: a mistyped password must not use the invitation up.
		const invitation = await liveInvitation(db, body.token, now);
		const email = invitation.email;
		const user = await userByEmail(db, email);

		let userId: string;
		if (joinsWithOwnPassword(user)) {
			// An existing account joins only with its own password.
			const attempt = await reserveSignInAttempt(db, { email, ip: c.req.header("cf-connecting-ip") ?? null }, now);
			if (!(await verifyPassword(body.password, user.passwordHash))) {
				throw new UnauthorizedError("The password is incorrect for the account with this email");
			}
			await signInSucceeded(db, attempt);
			await useInvitation(db, body.token, now);
			userId = user.id;
		} else {
			// New account, or one nobody could sign in to with a proven address (provider sign-in
			// only, or never verified): the link proved the mailbox, the same proof a reset relies on.
			const policy = passwordSchema.safeParse(body.password);
			if (!policy.success) throw new ValidationError(zodFieldProblems(policy.error, "password"));
			const passwordHash = await hashPassword(policy.data);
			// Used up before the account changes, so two racing acceptances cannot both rewrite it.
			await useInvitation(db, body.token, now);
			userId = user?.id ?? newId("usr");
			if (user === undefined) {
				await db.insert(users).values({ id: userId, email, passwordHash, firstName: body.firstName ?? null, lastName: body.lastName ?? null });
			} else {
				// Someone may have opened this unproven account first (with a Facebook login claiming the
				// address, say): their logins and sessions go, as a password reset would do.
				if (user.emailVerifiedAt === null) await takeOverUnprovenAccount(db, userId, email);
				await setPasswordHash(db, userId, passwordHash);
			}
		}

		await joinAsStaff(db, invitation, userId, now);
		// New rights: a new session, and any session the request came with is gone. Its admin opens
		// on the business just joined, not on an older one the person also belongs to.
		await startSession(c, userId, now, invitation.merchantId);
		return c.json(await sessionView(c));
	});

/**
 * The end of /auth/google?invitation=TOKEN: Google vouches for the invited address itself, which
 * proves the mailbox as the link does; any other Google account is refused (a staff member must
 * not join under an address the owner did not invite).
 */
export async function completeInvitationSignIn(c: Context<AppEnv>, flow: OAuthFlow, invitationToken: string, profile: ProviderProfile): Promise<Response> {
	const now = Date.now();
	const db = c.var.db;
	let invitation: Invitation;
	try {
		invitation = await liveInvitation(db, invitationToken, now);
	} catch (error) {
		if (error instanceof UnprocessableError) return signInFailure(c, "invitation-invalid");
		throw error;
	}
	if (!profile.emailVerified || profile.email !== invitation.email) return signInFailure(c, "invitation-email-mismatch");
	let userId: string;
	try {
		({ userId } = await signInWithIdentity(db, flow.provider, profile, null, now));
	} catch (error) {
		if (error instanceof IdentityLinkError) return signInFailure(c, error.reason);
		throw error;
	}
	try {
		await useInvitation(db, invitationToken, now);
	} catch (error) {
		if (error instanceof UnprocessableError) return signInFailure(c, "invitation-invalid");
		throw error;
	}
	await joinAsStaff(db, invitation, userId, now);
	await startSession(c, userId, now, invitation.merchantId);
	return c.redirect(new URL("/admin", c.env.APP_URL).toString(), 303);
}
