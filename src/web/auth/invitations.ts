// Staff invitations: an owner emails a one-time link; accepting it with a password makes the
// invitee a staff member of that merchant (creating their account if needed).
import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { staffInvitationEmail } from "../../auth/emails";
import { hashPassword, passwordSchema, verifyPassword } from "../../auth/password";
import { assertSignInAllowed, clearAccountFailures, recordSignInFailure } from "../../auth/rate-limit";
import { consumeEmailToken, invalidLinkError, issueEmailToken, peekEmailToken } from "../../auth/tokens";
import type { EmailToken } from "../../auth/tokens";
import type { Database } from "../../db/client";
import { memberships, merchants, staff, users } from "../../db/schema";
import { NotFoundError, UnauthorizedError, UnprocessableError, ValidationError } from "../../errors";
import { newId } from "../../ids";
import type { AppEnv } from "../context";
import { sendInBackground } from "../mailer";
import { zodFieldProblems } from "../problem";
import { requireSameOrigin } from "./csrf-protection";
import { parseJsonBody } from "./json-body";
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

interface Invitation {
	token: EmailToken;
	merchantId: string;
	staffId: string;
}

async function liveInvitation(db: Database, token: string, now: number): Promise<Invitation> {
	const row = await peekEmailToken(db, token, "invite", now);
	if (row === null || row.merchantId === null || row.staffId === null) throw invalidLinkError();
	return { token: row, merchantId: row.merchantId, staffId: row.staffId };
}

/** Mounted at /admin/api: the owner's side. */
export const staffInvitations = new Hono<AppEnv>().post("/staff/:staffId/invite", requireMerchantMember("owner"), async (c) => {
	const merchantId = c.var.membership?.merchantId ?? "";
	const now = Date.now();
	const member = await c.var.db
		.select({ id: staff.id, email: staff.email, merchantName: merchants.name })
		.from(staff)
		.innerJoin(merchants, eq(merchants.id, staff.merchantId))
		.where(and(eq(staff.id, c.req.param("staffId")), eq(staff.merchantId, merchantId)))
		.get();
	if (member === undefined) throw new NotFoundError("Staff member");
	const taken = await c.var.db.select({ userId: memberships.userId }).from(memberships).where(eq(memberships.staffId, member.id)).get();
	if (taken !== undefined) throw new UnprocessableError("already-member", "This staff member already has an account here.");
	const email = member.email.trim().toLowerCase();
	const existing = await c.var.db.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
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
		const invitation = await liveInvitation(c.var.db, c.req.query("token") ?? "", Date.now());
		const details = await c.var.db
			.select({ merchantName: merchants.name, staffName: staff.name })
			.from(staff)
			.innerJoin(merchants, eq(merchants.id, staff.merchantId))
			.where(eq(staff.id, invitation.staffId))
			.get();
		if (details === undefined) throw invalidLinkError();
		const account = await c.var.db.select({ id: users.id }).from(users).where(eq(users.email, invitation.token.email)).get();
		c.header("cache-control", "no-store");
		return c.json({ ...details, email: invitation.token.email, accountExists: account !== undefined });
	})

	.post("/invitations/accept", async (c) => {
		const body = await parseJsonBody(c, acceptBody);
		const now = Date.now();
		const db = c.var.db;
		// Peek first: a mistyped password must not use the invitation up.
		const invitation = await liveInvitation(db, body.token, now);
		const email = invitation.token.email;
		const user = await db
			.select({ id: users.id, passwordHash: users.passwordHash, emailVerifiedAt: users.emailVerifiedAt })
			.from(users)
			.where(eq(users.email, email))
			.get();

		let userId: string;
		if (user !== undefined && user.passwordHash !== null) {
			// An existing account joins only with its own password.
			const subjects = { email, ip: c.req.header("cf-connecting-ip") ?? null };
			await assertSignInAllowed(db, subjects, now);
			if (!(await verifyPassword(body.password, user.passwordHash))) {
				await recordSignInFailure(db, subjects, now);
				throw new UnauthorizedError("The password is incorrect for the account with this email");
			}
			await clearAccountFailures(db, email);
			userId = user.id;
		} else {
			// New account, or one without a password (provider sign-in only): the link proved the
			// mailbox, the same proof a password reset relies on.
			const policy = passwordSchema.safeParse(body.password);
			if (!policy.success) throw new ValidationError(zodFieldProblems(policy.error, "password"));
			const password = policy.data;
			userId = user?.id ?? newId("usr");
			if (user === undefined) {
				await db.insert(users).values({
					id: userId,
					email,
					emailVerifiedAt: now,
					passwordHash: await hashPassword(password),
					firstName: body.firstName ?? null,
					lastName: body.lastName ?? null,
				});
			} else {
				await db.update(users).set({ passwordHash: await hashPassword(password) }).where(eq(users.id, userId));
			}
		}

		if ((await consumeEmailToken(db, body.token, "invite", now)) === null) throw invalidLinkError();
		await db.batch([
			db
				.insert(memberships)
				.values({ userId, merchantId: invitation.merchantId, role: "staff", staffId: invitation.staffId })
				// Already a member (an owner who also takes bookings): keep the role, attach the staff record.
				.onConflictDoUpdate({ target: [memberships.userId, memberships.merchantId], set: { staffId: invitation.staffId } }),
			db.update(users).set({ emailVerifiedAt: user?.emailVerifiedAt ?? now }).where(eq(users.id, userId)),
		]);
		// New rights: a new session, and any session the request came with is gone.
		await startSession(c, userId, now);
		return c.json(await sessionView(c));
	});
