// Where things sit on the admin calendar: bookings and busy blocks cut into the local days they
// cover, as minutes after local midnight (wall clock, via Temporal), and the empty half-hour cells.
import { Temporal } from "temporal-polyfill";
import { addDays, localDayStart } from "../../../time";

export const CELL_MINUTES = 30;

export interface DayPiece {
	date: string;
	/** Wall-clock minutes after local midnight where the piece starts. */
	startMinute: number;
	minutes: number;
}

/** The dates `from`..`from + count - 1`. */
export function datesFrom(from: string, count: number): string[] {
	return Array.from({ length: count }, (_, i) => addDays(from, i));
}

/** The Monday of the ISO week holding `date`. */
export function weekStart(date: string): string {
	return addDays(date, 1 - Temporal.PlainDate.from(date).dayOfWeek);
}

function wallMinute(instant: number, zone: string): number {
	const local = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone);
	return local.hour * 60 + local.minute;
}

/** The parts of [start, end) on each of `dates` (local days in `zone`). */
export function dayPieces(start: number, end: number, dates: string[], zone: string): DayPiece[] {
	const pieces: DayPiece[] = [];
	for (const date of dates) {
		const dayStart = localDayStart(date, zone);
		const dayEnd = localDayStart(addDays(date, 1), zone);
		if (start >= dayEnd || end <= dayStart) continue;
		const from = Math.max(start, dayStart);
		const to = Math.min(end, dayEnd);
		const startMinute = from === dayStart ? 0 : wallMinute(from, zone);
		pieces.push({ date, startMinute, minutes: Math.max(5, Math.round((to - from) / 60_000)) });
	}
	return pieces;
}

/** The instant of a wall-clock minute on a local date (a time skipped by DST moves forward). */
export function instantAt(date: string, minute: number, zone: string): number {
	const time = Temporal.PlainTime.from({ hour: Math.floor(minute / 60), minute: minute % 60 });
	return Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone, plainTime: time }).epochMilliseconds;
}

/** The visible hours: 08:00-20:00, widened to whole hours around anything shown. */
export function visibleWindow(pieces: DayPiece[]): { from: number; to: number } {
	let from = 8 * 60;
	let to = 20 * 60;
	for (const p of pieces) {
		from = Math.min(from, Math.floor(p.startMinute / 60) * 60);
		to = Math.max(to, Math.min(24 * 60, Math.ceil((p.startMinute + p.minutes) / 60) * 60));
	}
	return { from, to };
}
