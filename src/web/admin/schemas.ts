// zod pieces shared by the admin routers: colours, wall-clock intervals without overlaps, date ranges.
import { z } from "zod";
import { PROVIDER_NAMES } from "../../calendars/provider";
import { daysBetween } from "../../time";
import { isoDate } from "../api/schemas";

/** `timeZone`: an IANA zone, stored by its canonical name ("europe/paris" becomes "Europe/Paris"). */
export { instant, isoDate, timeZone } from "../api/schemas";

export const entityId = z.string().min(1).max(64);

export const colour = z
	.string()
	.regex(/^#[0-9a-fA-F]{6}$/, "Must be a colour as #rrggbb")
	.transform((value) => value.toLowerCase());

const CLOCK = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** "HH:MM" wall-clock time; "24:00" is allowed as an end. */
export const clockTime = z.string().regex(CLOCK, "Must be a time as HH:MM");

export const interval = z
	.object({ start: clockTime, end: clockTime })
	.refine((i) => !CLOCK.test(i.start) || !CLOCK.test(i.end) || i.start < i.end, { path: ["end"], message: "Must be after start" });

interface ClockInterval {
	start: string;
	end: string;
}

/**
 * Adds an issue on the later of any two intervals that overlap within the same group (weekday or
 * date). Touching intervals (12:00-13:00 after 09:00-12:00) do not overlap.
 */
export function reportOverlaps<T extends ClockInterval>(intervals: T[], groupOf: (item: T) => string | number, ctx: z.RefinementCtx, path: Array<string | number>): void {
	const valid = intervals
		.map((item, index) => ({ item, index }))
		.filter(({ item }) => CLOCK.test(item.start) && CLOCK.test(item.end) && item.start < item.end)
		.sort((a, b) => (a.item.start < b.item.start ? -1 : a.item.start > b.item.start ? 1 : a.index - b.index));
	const latestByGroup = new Map<string | number, ClockInterval>();
	for (const { item, index } of valid) {
		const group = groupOf(item);
		const previous = latestByGroup.get(group);
		if (previous !== undefined && item.start < previous.end) {
			ctx.addIssue({ code: "custom", path: [...path, index, "start"], message: `Overlaps ${previous.start}-${previous.end} on the same day` });
		}
		if (previous === undefined || item.end > previous.end) latestByGroup.set(group, item);
	}
}

const MAX_RANGE_DAYS = 62;

/** Days from `from` to `to`, or null when either is not a date (its own field error says so). */
function spanDays(from: string, to: string): number | null {
	try {
		return daysBetween(from, to);
	} catch {
		return null;
	}
}

function withRangeRules<T extends z.ZodType<{ from: string; to: string }>>(schema: T): T {
	return schema
		.refine((q) => (spanDays(q.from, q.to) ?? 0) >= 0, { path: ["to"], message: "Must not be before from" })
		.refine((q) => (spanDays(q.from, q.to) ?? 0) <= MAX_RANGE_DAYS, { path: ["to"], message: `The range may span at most ${MAX_RANGE_DAYS} days` });
}

/** `from`..`to` inclusive local dates (the merchant's zone), at most 62 days. */
export const dateRange = withRangeRules(z.object({ from: isoDate, to: isoDate }));

/** A date range for the calendar, optionally of one staff member. */
export const calendarRange = withRangeRules(z.object({ from: isoDate, to: isoDate, staffId: entityId.optional() }));

/**
 * The admin's JSON view of a booking (built by booking-json.ts, shaped by who is looking); the calendar
 * island reads it through its type. Declared for the type only: the server does not parse its own answers.
 */
export const AdminBookingSchema = z.object({
	id: z.string(),
	status: z.string(),
	start: z.string(),
	end: z.string(),
	localStart: z.string(),
	timezone: z.string(),
	walkIn: z.boolean(),
	/** Only `name` when `detailsHidden`. */
	customer: z.object({ id: z.string().optional(), name: z.string(), email: z.string().optional(), phone: z.string().nullable().optional() }).nullable(),
	/** True when the viewer is a colleague: contact details and both notes are left out. */
	detailsHidden: z.boolean(),
	service: z.object({ id: z.string(), name: z.string(), color: z.string(), durationMinutes: z.number() }),
	staff: z.object({ id: z.string(), name: z.string(), color: z.string() }),
	resource: z.object({ id: z.string(), name: z.string() }).nullable(),
	customerNotes: z.string().nullable(),
	merchantNotes: z.string().nullable(),
	series: z.object({ id: z.string(), index: z.number().nullable(), frequency: z.string().nullable(), count: z.number().nullable() }).nullable(),
	conflict: z.boolean(),
	conflicts: z.array(z.object({ start: z.string(), end: z.string(), allDay: z.boolean(), tentative: z.boolean(), provider: z.enum(PROVIDER_NAMES) })),
	/**
	 * An online booking's video meeting: ready with its join link (null for a colleague of the booking's
	 * staff member), pending, or failed; `error` says why the link is not there (then a Retry is offered).
	 */
	meeting: z
		.object({
			// As db/schema.ts MEETING_PROVIDERS, plus the merchant's typed link (the browser cannot import the schema).
			provider: z.enum(["google_meet", "microsoft_teams", "zoom", "fixed_link"]),
			state: z.enum(["ready", "pending", "failed"]),
			joinUrl: z.string().nullable(),
			error: z.string().nullable(),
		})
		.nullable(),
	version: z.number(),
});
export type AdminBookingJson = z.infer<typeof AdminBookingSchema>;
