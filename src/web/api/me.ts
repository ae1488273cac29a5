// /api/v1/me: the signed-in customer's profile, ways in, and bookings across merchants (only theirs).
import type { Context } from "hono";
import { Hono } from "hono";
import { and, asc, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { listMemberships } from "../../auth/membership";
import type { MerchantMembership } from "../../auth/membership";
import { signInMethods, unlinkLogin } from "../../auth/sign-in-methods";
import type { SignInMethods } from "../../auth/sign-in-methods";
import { manageToken } from "../../booking/manage-token";
import type { Database } from "../../db/client";
import { emailInUse, sessionUserById, updateProfile } from "../../db/queries/users";
import { bookings, customers, emailTokens, merchants, services, staff, users } from "../../db/schema";
import { NotFoundError, RateLimitedError, UnauthorizedError, UnprocessableError } from "../../errors";
import { meetingViewsOf } from "../../meetings/meeting-view";
import type { MeetingView } from "../../meetings/meeting-view";
import { localIso, utcIso } from "../../time";
import type { AppEnv } from "../context";
import { sendVerification } from "../auth/email-links";
import { emailSchema, nameSchema } from "../auth/fields";
import { parseJsonBody } from "../auth/json-body";
import { requireUser } from "../auth/require";

/** At most one change-of-address mail a minute per account. */
const RESEND_INTERVAL_MS = 60 * 1000;

const patchBody = z
	.object({
		firstName: nameSchema.nullable().optional(),
		lastName: nameSchema.nullable().optional(),
		// https only: the URL is shown as an image on our pages.
		photoUrl: z.url({ protocol: /^https$/, message: "Use an https:// URL" }).max(2048).nullable().optional(),
		email: emailSchema.optional(),
	})
	.strict();

export interface ProfileView {
	user: {
		id: string;
		email: string;
		emailVerified: boolean;
		/** An address change waiting for its confirmation link to be opened. */
		pendingEmail: string | null;
		firstName: string | null;
		lastName: string | null;
		photoUrl: string | null;
	};
	signIn: SignInMethods;
	memberships: MerchantMembership[];
}

function signedInUserId(c: Context<AppEnv>): string {
	const user = c.var.user;
	if (user === undefined) throw new UnauthorizedError("Sign in to continue");
	return user.id;
}

/** The signed-in person's profile, pending address change, ways in and memberships (the account page shows the same). */
export async function profileView(db: Database, userId: string, now: number): Promise<ProfileView> {
	const [user, methods, memberships, pending] = await Promise.all([
		sessionUserById(db, userId),
		signInMethods(db, userId),
		listMemberships(db, userId),
		db
			.select({ email: emailTokens.email, payload: emailTokens.payload, expiresAt: emailTokens.expiresAt })
			.from(emailTokens)
			.where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, "verify-email"), isNull(emailTokens.usedAt)))
			.orderBy(desc(emailTokens.createdAt))
			.get(),
	]);
	if (user === undefined) throw new UnauthorizedError("Sign in to continue");
	const { emailVerifiedAt, ...rest } = user;
	const pendingEmail = pending !== undefined && pending.payload?.["change"] === "email" && pending.expiresAt > now ? pending.email : null;
	return { user: { ...rest, emailVerified: emailVerifiedAt !== null, pendingEmail }, signIn: methods, memberships };
}

/** Whether this account asked for an address change since `since` (a brake on mail to arbitrary addresses). */
async function changeRequestedSince(db: Database, userId: string, since: number): Promise<boolean> {
	const row = await db
		.select({ id: emailTokens.id })
		.from(emailTokens)
		.where(
			and(
				eq(emailTokens.userId, userId),
				eq(emailTokens.purpose, "verify-email"),
				gt(emailTokens.createdAt, since),
				sql`json_extract(${emailTokens.payload}, '$.change') = 'email'`,
			),
		)
		.get();
	return row !== undefined;
}

const bookingColumns = {
	id: bookings.id,
	merchantId: bookings.merchantId,
	status: bookings.status,
	startsAt: bookings.startsAt,
	endsAt: bookings.endsAt,
	timezone: bookings.timezone,
	seriesId: bookings.seriesId,
	customerNotes: bookings.customerNotes,
	merchantSlug: merchants.slug,
	merchantName: merchants.name,
	serviceId: services.id,
	serviceName: services.name,
	staffId: staff.id,
	staffName: staff.name,
};

/**
 * The user's bookings: those whose customer record (at any merchant) is linked to the account. Read
 * from D1's read model, the one place bookings of every merchant meet; each merchant's object writes
 * it a moment after a change, so a booking made or moved just now may show a moment later.
 */
function ownBookings(db: Database, userId: string) {
	return db
		.select(bookingColumns)
		.from(bookings)
		.innerJoin(customers, and(eq(customers.id, bookings.customerId), eq(customers.merchantId, bookings.merchantId)))
		.innerJoin(merchants, eq(merchants.id, bookings.merchantId))
		.innerJoin(services, eq(services.id, bookings.serviceId))
		.innerJoin(staff, eq(staff.id, bookings.staffId))
		.where(eq(customers.userId, userId))
		.$dynamic();
}

type OwnBookingRow = Awaited<ReturnType<ReturnType<typeof ownBookings>["all"]>>[number];

export interface OwnBooking {
	id: string;
	status: string;
	start: string;
	end: string;
	localStart: string;
	timezone: string;
	seriesId: string | null;
	merchant: { slug: string; name: string };
	service: { id: string; name: string };
	staff: { id: string; name: string };
	customerNotes: string | null;
	manageUrl: string;
	/** An online booking's meeting: the join link once it exists (the customer's own booking only), else pending. */
	meeting: { provider: MeetingView["provider"]; joinUrl: string | null } | null;
}

/** The meetings of the user's bookings, each read within its own merchant. */
async function meetingsOfRows(db: Database, rows: OwnBookingRow[]): Promise<Map<string, MeetingView>> {
	const result = new Map<string, MeetingView>();
	for (const merchantId of new Set(rows.map((row) => row.merchantId))) {
		for (const [id, view] of await meetingViewsOf(db, merchantId, rows.filter((row) => row.merchantId === merchantId))) result.set(id, view);
	}
	return result;
}

async function bookingJson(env: Env, row: OwnBookingRow, meeting: MeetingView | undefined): Promise<OwnBooking> {
	return {
		id: row.id,
		status: row.status,
		start: utcIso(row.startsAt),
		end: utcIso(row.endsAt),
		localStart: localIso(row.startsAt, row.timezone),
		timezone: row.timezone,
		seriesId: row.seriesId,
		merchant: { slug: row.merchantSlug, name: row.merchantName },
		service: { id: row.serviceId, name: row.serviceName },
		staff: { id: row.staffId, name: row.staffName },
		customerNotes: row.customerNotes,
		// The same capability link the confirmation email carries, for cancelling or moving it.
		manageUrl: `${env.APP_URL}/manage/${row.id}?token=${await manageToken(env.SESSION_SECRET, row.id)}`,
		// The provider's error is the merchant's to see, not the customer's.
		meeting: meeting === undefined ? null : { provider: meeting.provider, joinUrl: meeting.joinUrl },
	};
}

/** The user's own bookings (at most 500, oldest first), each with its manage link. */
export async function listOwnBookings(env: Env, db: Database, userId: string): Promise<OwnBooking[]> {
	const rows = await ownBookings(db, userId).orderBy(asc(bookings.startsAt)).limit(500).all();
	const meetings = await meetingsOfRows(db, rows);
	return Promise.all(rows.map((row) => bookingJson(env, row, meetings.get(row.id))));
}

export const meApi = new Hono<AppEnv>()
	.use("/api/v1/me", requireUser)
	.use("/api/v1/me/*", requireUser)

	.get("/api/v1/me", async (c) => {
		c.header("cache-control", "no-store");
		return c.json(await profileView(c.var.db, signedInUserId(c), Date.now()));
	})

	.patch("/api/v1/me", async (c) => {
		const userId = signedInUserId(c);
		const body = await parseJsonBody(c, patchBody);
		const db = c.var.db;
		const now = Date.now();
		const { email, ...profile } = body;
		if (Object.keys(profile).length > 0) await updateProfile(db, userId, profile);
		if (email !== undefined && email !== c.var.user?.email) {
			if (await emailInUse(db, email)) throw new UnprocessableError("email-taken", "Another account already uses this email address.");
			if (await changeRequestedSince(db, userId, now - RESEND_INTERVAL_MS)) {
				throw new RateLimitedError("A confirmation email was sent less than a minute ago.", 60);
			}
			// The address changes only when the link sent to it is opened: until then the old one stays.
			await sendVerification(c, userId, email, now, { change: "email" });
		}
		c.header("cache-control", "no-store");
		return c.json(await profileView(db, userId, now));
	})

	.delete("/api/v1/me/logins/:id", async (c) => {
		await unlinkLogin(c.var.db, signedInUserId(c), c.req.param("id"));
		return c.body(null, 204);
	})

	.get("/api/v1/me/bookings", async (c) => {
		c.header("cache-control", "no-store");
		return c.json({ bookings: await listOwnBookings(c.env, c.var.db, signedInUserId(c)) });
	})

	// Someone else's booking answers exactly like one that does not exist.
	.get("/api/v1/me/bookings/:id", async (c) => {
		const row = await ownBookings(c.var.db, signedInUserId(c)).where(and(eq(customers.userId, signedInUserId(c)), eq(bookings.id, c.req.param("id")))).get();
		if (row === undefined) throw new NotFoundError("Booking");
		c.header("cache-control", "no-store");
		return c.json({ booking: await bookingJson(c.env, row, (await meetingsOfRows(c.var.db, [row])).get(row.id)) });
	});
