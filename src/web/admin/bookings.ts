// Admin: the merchant's calendar of bookings. Reads list a date range with customer, service, staff,
// series and conflicting external busy time, from the merchant's Durable Object (src/booking/calendar-view.ts);
// writes go through the same object as
// `source: "admin"` (off the slot grid and outside hours allowed, never into a conflict).
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import type { BookingView } from "../../booking/commands";
import { merchantSchedule } from "../../booking/merchant-schedule";
import { unwrapOutcome } from "../../booking/outcome";
import { bookingsBetween, bookingsByIds } from "../../booking/calendar-view";
import type { AdminBooking } from "../../booking/calendar-view";
import { merchantSettingsSchema } from "../../db/queries/admin-settings";
import { merchantById, staffOf } from "../../db/queries/catalog";
import type { MerchantRow } from "../../db/queries/catalog";
import { NotFoundError } from "../../errors";
import { retryMeeting } from "../../meetings/meeting-retry";
import { meetingViewsOf } from "../../meetings/meeting-view";
import { syncContextFor } from "../../sync/context";
import { addDays, localDayStart } from "../../time";
import type { AppEnv } from "../context";
import { canonicalHash } from "../validation";
import { adminBookingJson } from "./booking-json";
import type { AdminBookingJson } from "./schemas";
import { staffForNewBooking } from "../../booking/permissions";
import type { BookingActor } from "../../booking/commands";
import { actingMembership, actingMerchantId, anyMember } from "./guard";
import { calendarRange, entityId, instant, timeZone } from "./schemas";
import { valid } from "./validate";

const notes = z.string().max(2000);
const scope = z.enum(["one", "series"]).default("one");

const createBody = z.strictObject({
	serviceId: entityId,
	/** Absent: whoever offering the service is free (fewest bookings that day first). */
	staffId: entityId.optional(),
	start: instant,
	/** The customer's zone; the merchant's when absent (walk-ins). */
	timezone: timeZone.optional(),
	/** Absent or null: a walk-in. */
	customer: z
		.object({
			name: z.string().trim().min(1).max(120),
			email: z.email().max(254),
			phone: z.string().trim().max(40).nullable().optional(),
		})
		.nullable()
		.optional(),
	customerNotes: notes.optional(),
	merchantNotes: notes.optional(),
	recurrence: z.object({ frequency: z.enum(["weekly", "biweekly", "monthly"]), count: z.number().int().min(2).max(52) }).optional(),
});

const idempotencyHeader = z.object({ "idempotency-key": z.string().min(1).max(255).optional() });
const notesBody = z.strictObject({ merchantNotes: notes.nullable() });
const rescheduleBody = z.strictObject({ start: instant, staffId: entityId.optional(), scope });
const cancelBody = z.strictObject({ scope });

function tentativeBlocks(merchant: MerchantRow): boolean {
	return merchantSettingsSchema.parse(merchant.settings ?? {}).tentativeBlocks;
}

/** Who makes an admin change: the merchant's object checks staff may change only their own bookings. */
function actor(c: Context<AppEnv>): BookingActor {
	const membership = actingMembership(c);
	return { role: membership.role, staffId: membership.staffId };
}

/** The written bookings, re-read in the admin shape from the merchant's object (D1's read model may not have them yet). */
async function written(c: Context<AppEnv>, merchant: MerchantRow, views: BookingView[]): Promise<AdminBookingJson[]> {
	const rows = await bookingsByIds(
		c.env,
		c.var.db,
		{ merchantId: merchant.id, tentativeBlocks: tentativeBlocks(merchant) },
		views.map((v) => v.id),
	);
	return withMeetings(c, merchant.id, rows);
}

/** The admin shape of `rows`, each with its video meeting (one D1 read of places and one of meetings). */
async function withMeetings(c: Context<AppEnv>, merchantId: string, rows: AdminBooking[]): Promise<AdminBookingJson[]> {
	const meetings = await meetingViewsOf(c.var.db, merchantId, rows.map((row) => row.booking));
	const viewer = actingMembership(c);
	return rows.map((row) => adminBookingJson(row, viewer, meetings.get(row.booking.id)));
}

export const adminBookings = new Hono<AppEnv>()
	// `from`/`to` are dates in the merchant's zone; bookings overlapping those days are listed.
	.get("/bookings", anyMember, valid("query", calendarRange), async (c) => {
		const merchantId = actingMerchantId(c);
		const query = c.req.valid("query");
		const merchant = await merchantById(c.var.db, merchantId);
		if (query.staffId !== undefined) await staffOf(c.var.db, merchantId, query.staffId);
		const rows = await bookingsBetween(c.env, c.var.db, {
			merchantId,
			from: localDayStart(query.from, merchant.timezone),
			to: localDayStart(addDays(query.to, 1), merchant.timezone),
			staffId: query.staffId ?? null,
			tentativeBlocks: tentativeBlocks(merchant),
		});
		return c.json({ timezone: merchant.timezone, bookings: await withMeetings(c, merchantId, rows) });
	})

	.get("/bookings/:id", anyMember, async (c) => {
		const merchant = await merchantById(c.var.db, actingMerchantId(c));
		const [row] = await bookingsByIds(c.env, c.var.db, { merchantId: merchant.id, tentativeBlocks: tentativeBlocks(merchant) }, [c.req.param("id")]);
		if (row === undefined) throw new NotFoundError("Booking");
		const [booking] = await withMeetings(c, merchant.id, [row]);
		return c.json({ booking });
	})

	// The admin's Retry of a meeting whose link is pending or failed: queued, so the answer is 202.
	.post("/bookings/:id/meeting/retry", anyMember, async (c) => {
		await retryMeeting(syncContextFor(c.env, c.var.db), actingMembership(c), c.req.param("id"));
		return c.json({ queued: true }, 202);
	})

	.post("/bookings", anyMember, valid("header", idempotencyHeader), valid("json", createBody), async (c) => {
		const merchant = await merchantById(c.var.db, actingMerchantId(c));
		const body = c.req.valid("json");
		const membership = actingMembership(c);
		const staffId = staffForNewBooking(membership, body.staffId);
		const key = c.req.valid("header")["idempotency-key"];
		const customer = body.customer ?? null;
		const outcome = await merchantSchedule(c.env, merchant.id).createBooking({
			merchantId: merchant.id,
			serviceId: body.serviceId,
			staffId: staffId ?? null,
			start: Date.parse(body.start),
			timezone: body.timezone ?? merchant.timezone,
			customer: customer === null ? null : { name: customer.name, email: customer.email, phone: customer.phone ?? null },
			userId: null,
			customerNotes: body.customerNotes ?? null,
			merchantNotes: body.merchantNotes ?? null,
			recurrence: body.recurrence ?? null,
			source: "admin",
			adminRole: membership.role,
			// The write path scopes the key by source, so it never meets a customer's key.
			idempotency: key === undefined ? null : { key, requestHash: await canonicalHash(body) },
			now: Date.now(),
		});
		const bookings = await written(c, merchant, unwrapOutcome(outcome));
		return c.json({ booking: bookings[0], ...(bookings.length > 1 ? { occurrences: bookings } : {}) }, 201);
	})

	.patch("/bookings/:id", anyMember, valid("json", notesBody), async (c) => {
		const merchant = await merchantById(c.var.db, actingMerchantId(c));
		const view = unwrapOutcome(
			await merchantSchedule(c.env, merchant.id).updateMerchantNotes({
				merchantId: merchant.id,
				bookingId: c.req.param("id"),
				merchantNotes: c.req.valid("json").merchantNotes,
				actor: actor(c),
				now: Date.now(),
			}),
		);
		const [booking] = await written(c, merchant, [view]);
		return c.json({ booking });
	})

	.post("/bookings/:id/reschedule", anyMember, valid("json", rescheduleBody), async (c) => {
		const body = c.req.valid("json");
		const merchant = await merchantById(c.var.db, actingMerchantId(c));
		const views = unwrapOutcome(
			await merchantSchedule(c.env, merchant.id).rescheduleBooking({
				merchantId: merchant.id,
				bookingId: c.req.param("id"),
				start: Date.parse(body.start),
				staffId: body.staffId ?? null,
				scope: body.scope,
				source: "admin",
				actor: actor(c),
				now: Date.now(),
			}),
		);
		return c.json({ bookings: await written(c, merchant, views) });
	})

	.post("/bookings/:id/cancel", anyMember, valid("json", cancelBody), async (c) => {
		const merchant = await merchantById(c.var.db, actingMerchantId(c));
		const views = unwrapOutcome(
			await merchantSchedule(c.env, merchant.id).cancelBooking({
				merchantId: merchant.id,
				bookingId: c.req.param("id"),
				scope: c.req.valid("json").scope,
				source: "admin",
				actor: actor(c),
				now: Date.now(),
			}),
		);
		return c.json({ bookings: await written(c, merchant, views) });
	});
