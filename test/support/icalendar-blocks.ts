// The busy blocks an iCalendar document gives: the importer's events through the one blocking policy
// (feedEvent in src/sync/feed-batch.ts), as inbound sync hands them to the merchant's object.
import type { FeedBlock } from "../../src/booking/busy-feed";
import { eventsFromICalendar } from "../../src/calendars/icalendar";
import type { ICalendarImportIssue, ICalendarImportOptions } from "../../src/calendars/icalendar";
import { feedEvent } from "../../src/sync/feed-batch";

/** A block with the UID of the event it came from. */
export interface ICalendarBlock extends FeedBlock {
	uid: string;
}

/** Every block of the document, sorted by start, then end, then instance id; the importer's issues beside them. */
export function icalendarBlocks(text: string, options: ICalendarImportOptions): { blocks: ICalendarBlock[]; errors: ICalendarImportIssue[] } {
	const { events, errors } = eventsFromICalendar(text, options);
	const blocks = events.flatMap((event) => feedEvent(event, options.staffTimezone).blocks.map((block) => ({ uid: event.id, ...block })));
	blocks.sort((a, b) => a.start - b.start || a.end - b.end || (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
	return { blocks, errors };
}
