// Expands a recurring booking request into its occurrences, keeping the wall-clock time in the
// staff member's zone (a weekly 10:00 stays 10:00 across a DST change).
import { Temporal } from "temporal-polyfill";

export type BookingFrequency = "weekly" | "biweekly" | "monthly";

export const MAX_OCCURRENCES = 52;

/**
 * Start instants of every occurrence, the first being `start`. Monthly series keep the day of the
 * month and clamp to the month's last day (31 January -> 28 February), which is what a person
 * booking "monthly" expects rather than skipping months.
 */
export function occurrenceStarts(start: number, zone: string, frequency: BookingFrequency, count: number): number[] {
	const first = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(zone);
	const starts: number[] = [];
	for (let index = 0; index < count; index++) {
		const step =
			frequency === "weekly" ? { weeks: index } : frequency === "biweekly" ? { weeks: 2 * index } : { months: index };
		// `add` on a ZonedDateTime adds calendar units in local time, then resolves the wall-clock
		// time with "compatible" disambiguation: a 02:30 that falls in a spring-forward gap becomes 03:30.
		starts.push(first.add(step, { overflow: "constrain" }).epochMilliseconds);
	}
	return starts;
}
