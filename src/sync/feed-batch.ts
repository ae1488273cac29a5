// What one step of a calendar's change feed blocks: the batch inbound sync hands to the merchant's
// Durable Object (busy-store.ts). Pure: no I/O, so the inbound benchmark can measure it on its own.
import type { FeedBatch, FeedBlock, FeedEvent } from "../booking/busy-feed";
import { midnightOf } from "../calendars/event-time";
import type { ExternalEvent, ExternalInstance, SyncResult } from "../calendars/provider";

/** What a stored block needs besides the instance: whose time it is and in which zone days are read. */
export interface BlockOwner {
	merchantId: string;
	/** Null for a business-wide connection (its blocks block nobody in particular). */
	staffId: string | null;
	/** The staff member's IANA zone: all-day events block their whole local days here. */
	timeZone: string;
}

/**
 * What one external event blocks, as the object stores it. Cancelled, free (transparent) and declined
 * instances block nothing; tentative ones are kept with the flag (availability applies the merchant's
 * policy); all-day instances cover the staff member's local days. The event's booking marker goes
 * along: the object skips the merchant's own booking events (the marker is a booking or series id,
 * unique across businesses), while a booking event another business wrote blocks time like any other
 * event: one person working at two businesses may check the same calendar in both.
 */
export function feedEvent(event: ExternalEvent, timeZone: string): FeedEvent {
	const blocks: FeedBlock[] = [];
	for (const instance of event.instances) {
		const block = blockOf(instance, timeZone);
		if (block !== null) blocks.push(block);
	}
	return { eventId: event.id, marker: event.slotlineBookingId, blocks };
}

function blockOf(instance: ExternalInstance, timeZone: string): FeedBlock | null {
	if (instance.status === "cancelled" || instance.transparent || instance.declined) return null;
	// Providers give all-day bounds as dates; the instants are recomputed in the staff zone so a
	// day off means the same local day whatever zone the calendar or Graph's UTC view used.
	const start = instance.allDay === null ? instance.start : midnightOf(instance.allDay.startDate, timeZone);
	const end = instance.allDay === null ? instance.end : midnightOf(instance.allDay.endDate, timeZone);
	if (!(end > start)) return null;
	return { instanceId: instance.instanceId, start, end, allDay: instance.allDay !== null, tentative: instance.status === "tentative" };
}

/** The batch a sync result becomes (less the step, which only the claim hands out). */
export function feedBatch(calendarId: string, owner: BlockOwner, generation: number, result: SyncResult): Omit<FeedBatch, "step"> {
	// A feed may name an event twice (changed again within one page run): its last state counts.
	const latest = new Map<string, ExternalEvent>();
	for (const event of result.changed) latest.set(event.id, event);
	return {
		calendarId,
		generation,
		staffId: owner.staffId,
		full: result.full,
		events: [...latest.values()].map((event) => feedEvent(event, owner.timeZone)),
		removed: result.full ? [] : result.removed,
	};
}
