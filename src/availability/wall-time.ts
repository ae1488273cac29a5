// Parsing of "HH:MM" wall-clock times into minutes after local midnight.
import { ValidationError } from "../errors";

const WALL_TIME = /^(\d{2}):(\d{2})$/;

/**
 * Minutes after midnight of an "HH:MM" wall time. "24:00" (1440, the next local midnight) is
 * accepted only where `allowMidnightEnd` says so, i.e. as the end of an interval.
 */
export function parseWallTime(value: string, field: string, options: { allowMidnightEnd?: boolean } = {}): number {
	const match = WALL_TIME.exec(value);
	if (match !== null) {
		const hours = Number(match[1]);
		const minutes = Number(match[2]);
		if (hours < 24 && minutes < 60) return hours * 60 + minutes;
		if (hours === 24 && minutes === 0 && options.allowMidnightEnd === true) return 1440;
	}
	throw new ValidationError([{ field, message: `"${value}" is not an HH:MM wall-clock time` }]);
}
