// Messages on the provider-push queue. Every committed booking change produces exactly one
// `booking.changed` (via the outbox); inbound webhooks and the cron produce `calendar.sync`.
import { z } from "zod";

export const bookingChangeKinds = ["created", "updated", "cancelled"] as const;
export type BookingChangeKind = (typeof bookingChangeKinds)[number];

export const bookingChangedJob = z.object({
	type: z.literal("booking.changed"),
	merchantId: z.string(),
	bookingId: z.string(),
	/** The booking's version after the change; consumers skip anything older than what they applied. */
	version: z.number().int().positive(),
	change: z.enum(bookingChangeKinds),
});

export const calendarSyncJob = z.object({
	type: z.literal("calendar.sync"),
	/** connection_calendars.id */
	calendarId: z.string(),
	reason: z.enum(["push", "cron", "resync", "connect"]),
});

export const jobSchema = z.discriminatedUnion("type", [bookingChangedJob, calendarSyncJob]);

export type BookingChangedJob = z.infer<typeof bookingChangedJob>;
export type CalendarSyncJob = z.infer<typeof calendarSyncJob>;
export type Job = z.infer<typeof jobSchema>;

/** The queue binding with its message type (generated bindings type it as untyped `Queue`). */
export function jobQueue(env: Env): Queue<Job> {
	return env.PROVIDER_PUSH as Queue<Job>;
}
