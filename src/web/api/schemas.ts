// zod schemas of the public API: they validate requests and generate /api/openapi.json.
import { z } from "@hono/zod-openapi";
import { epochDayFromIso } from "../../availability/calendar";
import { PLACE_KINDS } from "../../place";
import type { PublicPlace } from "../../place-view";
import { ianaTimeZone } from "../../zones";

/** The epoch day of a real "YYYY-MM-DD" date, or null: the availability core's own reading, and cheap (no Temporal object per call). */
function epochDay(value: string): number | null {
	try {
		return epochDayFromIso(value, "date");
	} catch {
		return null;
	}
}

function isDate(value: string): boolean {
	return epochDay(value) !== null;
}

/** An IANA zone, passed on in its canonical name ("europe/amsterdam" and "Europe/Amsterdam" are one zone). */
export const timeZone = z
	.string()
	.max(64)
	.refine((value) => ianaTimeZone(value) !== null, { message: "Must be an IANA time zone name such as Europe/Amsterdam or UTC (not an offset)" })
	.transform((value) => ianaTimeZone(value) ?? value)
	.openapi({ example: "Europe/Amsterdam" });

export const isoDate = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, "Must be a date as YYYY-MM-DD")
	.refine(isDate, { message: "Not a calendar date" })
	.openapi({ example: "2026-12-01" });

export const instant = z.iso.datetime({ offset: true, message: "Must be an ISO 8601 date-time with Z or an offset" }).openapi({ example: "2026-12-01T09:00:00Z" });

export const merchantParam = z.object({
	merchant: z.string().min(1).max(64).openapi({ param: { name: "merchant", in: "path" }, example: "demo" }),
});

export const bookingIdParam = z.object({
	id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" } }),
});

// Left unnamed so the Problem's alternatives stay inline in /api/openapi.json; `SlotSchema` names it.
const slot = z.object({ start: z.string(), end: z.string(), staffId: z.string(), localStart: z.string() });

export const ProblemSchema = z
	.object({
		type: z.string(),
		title: z.string(),
		status: z.number().int(),
		detail: z.string(),
		instance: z.string().optional(),
		errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
		alternatives: z.array(slot).optional(),
		conflicts: z.array(z.object({ index: z.number().int(), start: z.string() })).optional(),
	})
	.openapi("Problem");

/** Where a service takes place, as anyone may see it: never a meeting link (only the booking's people get it). */
export const PlaceSchema = z
	.object({
		kind: z.enum(PLACE_KINDS),
		address: z.string().nullable().openapi({ description: "In person: where (the business address for in_person_business)" }),
		phone: z.string().nullable().openapi({ description: "phone_customer_calls: the number to call" }),
	})
	.openapi("Place") satisfies z.ZodType<PublicPlace>;

export const ServiceSchema = z
	.object({
		id: z.string(),
		name: z.string(),
		durationMinutes: z.number().int(),
		color: z.string(),
		place: PlaceSchema,
		price: z.object({ amountCents: z.number().int(), currency: z.string() }).nullable(),
		requiresResource: z.boolean(),
		staffIds: z.array(z.string()),
	})
	.openapi("Service");

export const StaffSchema = z
	.object({
		id: z.string(),
		name: z.string(),
		color: z.string(),
		timezone: z.string(),
		/** Where this person works for all their services, when not where each service says. */
		place: PlaceSchema.nullable(),
		serviceIds: z.array(z.string()),
	})
	.openapi("Staff");

/** The sign-in methods a merchant offers its customers (the booking page's config carries them too). */
const offeredSignIn = z.object({ password: z.boolean(), google: z.boolean(), facebook: z.boolean() });

export const SignInMethodsSchema = offeredSignIn
	.extend({ startUrls: z.object({ google: z.string().nullable(), facebook: z.string().nullable() }) })
	.openapi("SignInMethods");

export const availabilityQuery = z
	.object({
		serviceId: z.string().min(1).max(64),
		staffId: z.string().min(1).max(64).optional(),
		from: isoDate,
		to: isoDate,
		timezone: timeZone,
	})
	.refine((q) => q.to >= q.from, { path: ["to"], message: "Must not be before from" })
	.refine((q) => (epochDay(q.to) ?? 0) - (epochDay(q.from) ?? 0) <= 62, {
		path: ["to"],
		message: "The range may span at most 62 days",
	});

export const SlotSchema = slot.openapi("Slot");

export const AvailabilitySchema = z.object({ timezone: z.string(), slots: z.array(SlotSchema) }).openapi("Availability");

export const createBookingBody = z
	.object({
		serviceId: z.string().min(1).max(64),
		staffId: z.string().min(1).max(64).optional(),
		start: instant,
		timezone: timeZone,
		customer: z.object({
			name: z.string().trim().min(1).max(120),
			email: z.email().max(254),
			phone: z.string().trim().max(40).optional(),
		}),
		notes: z.string().max(2000).optional(),
		recurrence: z
			.object({
				frequency: z.enum(["weekly", "biweekly", "monthly"]),
				count: z.number().int().min(2).max(52),
			})
			.optional(),
	})
	.openapi("CreateBooking");

export const BookingSchema = z
	.object({
		id: z.string(),
		status: z.enum(["confirmed", "cancelled"]),
		start: z.string(),
		end: z.string(),
		localStart: z.string(),
		timezone: z.string(),
		staffId: z.string(),
		serviceId: z.string(),
		seriesId: z.string().nullable(),
		manageUrl: z.string(),
	})
	.openapi("Booking");

export const BookingCreatedSchema = z
	.object({ booking: BookingSchema, occurrences: z.array(BookingSchema).optional() })
	.openapi("BookingCreated");

export const manageQuery = z.object({
	token: z.string().min(1).max(128).optional().openapi({ description: "The manage token from the confirmation email (or send it as a Bearer token)" }),
});

/** The cancel body, which may be left out entirely: the scope defaults to "one". */
export const scopeBody = z
	.object({ scope: z.enum(["one", "series"]).optional().openapi({ description: '"series" also cancels the later occurrences of its series; the default is "one"' }) })
	.openapi("CancelBooking");

export const rescheduleBody = z.object({ start: instant, scope: z.enum(["one", "series"]).default("one") });

export const BookingDetailSchema = z
	.object({
		booking: BookingSchema.extend({
			serviceName: z.string(),
			staffName: z.string(),
			merchant: z.object({ slug: z.string(), name: z.string() }),
			customerNotes: z.string().nullable(),
		}),
	})
	.openapi("BookingDetail");

// The wire types, for the server's own views and for the browser (client/ imports them with `import type`,
// which the bundler erases: no schema code reaches a bundle).
export type Problem = z.infer<typeof ProblemSchema>;
export type FieldError = NonNullable<Problem["errors"]>[number];
export type Service = z.infer<typeof ServiceSchema>;
export type Place = z.infer<typeof PlaceSchema>;
export type Staff = z.infer<typeof StaffSchema>;
export type OfferedSignIn = z.infer<typeof offeredSignIn>;
export type SignInMethods = z.infer<typeof SignInMethodsSchema>;
export type Slot = z.infer<typeof SlotSchema>;
export type Availability = z.infer<typeof AvailabilitySchema>;
export type Booking = z.infer<typeof BookingSchema>;
export type BookingCreated = z.infer<typeof BookingCreatedSchema>;
export type BookingDetail = z.infer<typeof BookingDetailSchema>;
