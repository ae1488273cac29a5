// Lenient iCalendar parsing: one broken component must not cost the rest of the feed, so a document
// ical.js rejects is re-read component by component and only the readable ones are kept.
import ICAL from "ical.js";

/** The document is not iCalendar at all (no readable VCALENDAR). One bad event never raises this. */
export class ICalendarParseError extends Error {
	override readonly name = "ICalendarParseError";
}

export interface ParsedCalendars {
	calendars: ICAL.Component[];
	/** Components that were dropped because they could not be parsed. */
	dropped: Array<{ uid: string | null; problem: "unparseable"; message: string }>;
}

/** Parses `text` into its VCALENDAR components; throws ICalendarParseError when there is none. */
export function parseCalendars(text: string): ParsedCalendars {
	try {
		return { calendars: vcalendarsOf(ICAL.parse(text)), dropped: [] };
	} catch (error) {
		if (error instanceof ICalendarParseError) throw error;
		return parseComponentwise(text, describe(error));
	}
}

function vcalendarsOf(jcal: unknown): ICAL.Component[] {
	// ical.js returns one jCal component, or an array of them when the text holds several roots.
	const roots = Array.isArray(jcal) && Array.isArray(jcal[0]) ? jcal : [jcal];
	const calendars = roots
		.filter((root): root is unknown[] => Array.isArray(root) && root.length === 3)
		.map((root) => new ICAL.Component(root))
		.filter((component) => component.name === "vcalendar");
	if (calendars.length === 0) throw new ICalendarParseError("The data holds no VCALENDAR component");
	return calendars;
}

/** Splits unfolded content lines into VCALENDAR children and parses each one on its own. */
function parseComponentwise(text: string, documentProblem: string): ParsedCalendars {
	const lines = text.replace(/\r?\n[ \t]/g, "").split(/\r?\n|\r/);
	const chunks: string[][] = [];
	let inCalendar = false;
	let depth = 0;
	let current: string[] = [];
	for (const line of lines) {
		const marker = /^(BEGIN|END):([A-Za-z0-9-]+)\s*$/i.exec(line);
		const kind = marker?.[1]?.toUpperCase();
		const name = marker?.[2]?.toUpperCase();
		if (!inCalendar) {
			if (kind === "BEGIN" && name === "VCALENDAR") inCalendar = true;
			continue;
		}
		if (depth === 0) {
			if (kind === "END" && name === "VCALENDAR") inCalendar = false;
			else if (kind === "BEGIN") {
				depth = 1;
				current = [line];
			}
			continue;
		}
		current.push(line);
		if (kind === "BEGIN") depth += 1;
		else if (kind === "END") depth -= 1;
		if (depth === 0) chunks.push(current);
	}
	if (chunks.length === 0) {
		throw new ICalendarParseError(`The data is not an iCalendar document (${documentProblem})`);
	}

	const kept: string[] = [];
	const dropped: ParsedCalendars["dropped"] = [];
	for (const chunk of chunks) {
		const body = chunk.join("\r\n");
		try {
			ICAL.parse(wrap(body));
			kept.push(body);
		} catch (error) {
			dropped.push({ uid: uidOf(chunk), problem: "unparseable", message: `Unreadable ${componentName(chunk)}: ${describe(error)}` });
		}
	}
	return { calendars: vcalendarsOf(ICAL.parse(wrap(kept.join("\r\n")))), dropped };
}

function wrap(body: string): string {
	return `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${body}${body === "" ? "" : "\r\n"}END:VCALENDAR\r\n`;
}

function uidOf(chunk: string[]): string | null {
	for (const line of chunk) {
		const match = /^UID(?:;[^:]*)?:(.*)$/i.exec(line);
		if (match?.[1] !== undefined) return match[1].trim().slice(0, 200);
	}
	return null;
}

function componentName(chunk: string[]): string {
	return (chunk[0] ?? "").slice(6).trim().toUpperCase() || "component";
}

/** A short, single-line description of a thrown value (hostile input must not flood the log). */
export function describe(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message.replace(/\s+/g, " ").slice(0, 200);
}
