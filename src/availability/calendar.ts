// Zone-free calendar arithmetic on "epoch days" (days since 1970-01-01), so iterating dates and
// weekdays costs integer maths instead of Temporal objects. Nothing here knows about time zones.
import { ValidationError } from "../errors";

export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The epoch day of a "YYYY-MM-DD" calendar date; `field` names it in the error if it is invalid. */
export function epochDayFromIso(date: string, field: string): number {
	const match = ISO_DATE.exec(date);
	if (match !== null) {
		const [, y, m, d] = match.map(Number) as [number, number, number, number];
		const ms = Date.UTC(y, m - 1, d);
		const check = new Date(ms);
		// Date.UTC rolls 2026-02-30 over to March; a round trip rejects such dates.
		if (check.getUTCFullYear() === y && check.getUTCMonth() === m - 1 && check.getUTCDate() === d) {
			return ms / MS_PER_DAY;
		}
	}
	throw new ValidationError([{ field, message: `"${date}" is not a YYYY-MM-DD date` }]);
}

/** "YYYY-MM-DD" of an epoch day. */
export function isoFromEpochDay(epochDay: number): string {
	return new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10);
}

/** ISO weekday (1 = Monday … 7 = Sunday); 1970-01-01 was a Thursday. */
export function isoWeekday(epochDay: number): number {
	return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}
