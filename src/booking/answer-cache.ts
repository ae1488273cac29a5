// Answers the merchant's object reuses while its schedule is unchanged: availability for a widget's
// question (every visitor of the page asks the same one) and the 409 of a slot many people try at once
// (a hot-slot storm refuses the same request hundreds of times). The schedule's version moves with every
// row written to anything availability reads (schedule-schema.ts keeps it by triggers, so no write path
// can forget it), so a stale answer is never served. Time passing without a write only matters through
// the minimum notice and the horizon; each kind of answer says below when a later clock leaves it exact.
import type { SlotSuggestion } from "../errors";
import type { AvailabilitySlot } from "./merchant-schedule";

interface Entry<T> {
	version: number;
	/** The `now` it was computed for. */
	computedAt: number;
	value: T;
}


/**
 * Requests reach the object out of the order of their Workers' clocks (a storm's hundred in flight are
 * stamped on many isolates). An answer computed for a `now` up to this much later is what the request
 * would have been given had it arrived a moment later, so it is served; an older clock than that recomputes.
 */
const CLOCK_SKEW_MS = 5_000;

class Answers<T> {
	private readonly entries = new Map<string, Entry<T>>();

	/** `capacity` answers are kept; the least recently stored goes first. */
	constructor(private readonly capacity: number) {}

	protected find(key: string, version: number, now: number): T | null {
		const entry = this.entries.get(key);
		if (entry === undefined || entry.version !== version || now < entry.computedAt - CLOCK_SKEW_MS) return null;
		return entry.value;
	}

	protected keep(key: string, version: number, computedAt: number, value: T): void {
		this.entries.delete(key);
		if (this.entries.size >= this.capacity) {
			const oldest = this.entries.keys().next().value;
			if (oldest !== undefined) this.entries.delete(oldest);
		}
		this.entries.set(key, { version, computedAt, value });
	}
}

export interface SlotsAnswer {
	minNoticeMs: number;
	/** Each slot's start instant, ascending. */
	starts: number[];
	/** The slots as a JSON array, and where in it each slot's object begins. */
	json: string;
	offsets: number[];
}

/** A JSON array of slots and where each slot's object begins in it. */
export function slotsJson(slots: readonly AvailabilitySlot[]): { json: string; offsets: number[] } {
	const offsets: number[] = [];
	let json = "[";
	for (const slot of slots) {
		if (offsets.length > 0) json += ",";
		offsets.push(json.length);
		json += JSON.stringify(slot);
	}
	return { json: `${json}]`, offsets };
}

/**
 * Availability answers. A later clock only removes slots at the front (minimum notice moves forward), so
 * those are dropped; an answer whose range the booking horizon cut short is never kept, since a later
 * clock would add slots at the end.
 */
export class SlotAnswers extends Answers<SlotsAnswer> {
	/** A merchant's services in a few ranges; an answer for 30 days of 10 staff is about 100 KB. */
	constructor() {
		super(16);
	}

	/** The slots' JSON array for a clock of `now`. */
	get(key: string, version: number, now: number): string | null {
		const answer = this.find(key, version, now);
		if (answer === null) return null;
		const earliest = now + answer.minNoticeMs;
		let first = 0;
		while (first < answer.starts.length && (answer.starts[first] as number) < earliest) first++;
		if (first === 0) return answer.json;
		const offset = answer.offsets[first];
		return offset === undefined ? "[]" : `[${answer.json.slice(offset)}`;
	}

	set(key: string, version: number, now: number, answer: SlotsAnswer): void {
		this.keep(key, version, now, answer);
	}
}

export interface RefusalAnswer {
	minNoticeMs: number;
	/** The refused start. */
	start: number;
	detail: string;
	alternatives: SlotSuggestion[];
	/** Whether the alternatives were the full count asked for: a short list may grow as the horizon moves. */
	complete: boolean;
}

/**
 * 409 answers ("taken", with the nearest free slots). Exact for a later clock while neither the refused
 * start nor any alternative has come within the minimum notice (then the answer would be a 422, or an
 * alternative would be gone), and only when the list was complete.
 */
export class RefusalAnswers extends Answers<RefusalAnswer> {
	/** Every slot a storm is fighting over (a few hundred bytes each): fewer, taken in turn, would all miss. */
	constructor() {
		super(1024);
	}

	get(key: string, version: number, now: number): RefusalAnswer | null {
		const answer = this.find(key, version, now);
		if (answer === null) return null;
		const earliest = now + answer.minNoticeMs;
		if (answer.start < earliest) return null;
		if (answer.alternatives.some((slot) => Date.parse(slot.start) < earliest)) return null;
		return answer;
	}

	set(key: string, version: number, now: number, answer: RefusalAnswer): void {
		if (answer.complete) this.keep(key, version, now, answer);
	}
}
