// Partial responses (`fields=`), as Google's APIs answer them: `a,b` picks fields, `a/b` a sub-field, `a(b,c)` several
// sub-fields, `*` everything at that level, and arrays are picked element by element. A name the resource does not have
// is a 400 `invalidParameter`, as on Google, so a typo in a client's selection shows up here and not only in production.
import { googleError } from "./errors";

/** What a selection keeps of one object: a field in full, or only parts of it. */
type Selection = Map<string, Selection | "all">;

/** Known field names per resource; "any" accepts any sub-path (maps such as extendedProperties.private, or structures the sandbox does not model). */
type Schema = { [field: string]: Schema | "leaf" | "any" };

function invalid(selection: string): never {
	throw googleError(400, "invalidParameter", `Invalid field selection ${selection}`, { location: "fields", locationType: "parameter" });
}

class Parser {
	private at = 0;
	constructor(private readonly text: string) {}

	/** fields := selection ("," selection)* */
	parseList(into: Selection, closing: string | null): void {
		for (;;) {
			this.parseSelection(into);
			const next = this.text[this.at];
			if (next === ",") {
				this.at += 1;
				continue;
			}
			if (closing === null ? next === undefined : next === closing) return;
			invalid(this.text);
		}
	}

	/** selection := name ("/" name)* ["(" fields ")"] */
	private parseSelection(into: Selection): void {
		const path = [this.parseName()];
		while (this.text[this.at] === "/") {
			this.at += 1;
			path.push(this.parseName());
		}
		let leaf: Selection | "all" = "all";
		if (this.text[this.at] === "(") {
			this.at += 1;
			leaf = new Map();
			this.parseList(leaf, ")");
			this.at += 1;
		}
		let node = into;
		path.forEach((name, index) => {
			const last = index === path.length - 1;
			const existing = node.get(name);
			if (existing === "all") return;
			if (last) {
				node.set(name, leaf === "all" || existing === undefined ? leaf : merge(existing, leaf));
				return;
			}
			const child = existing ?? new Map<string, Selection | "all">();
			node.set(name, child);
			node = child;
		});
	}

	private parseName(): string {
		const match = /^[A-Za-z0-9_@#$.*-]+/.exec(this.text.slice(this.at));
		if (match === null) invalid(this.text);
		this.at += match[0].length;
		return match[0];
	}
}

function merge(a: Selection, b: Selection): Selection {
	const out = new Map(a);
	for (const [name, value] of b) {
		const mine = out.get(name);
		out.set(name, mine === undefined || value === "all" ? value : mine === "all" ? "all" : merge(mine, value));
	}
	return out;
}

/** Parses a `fields` value; 400 when it is not well formed. */
export function parseFields(text: string): Selection {
	const selection: Selection = new Map();
	if (text.trim() === "") invalid(text);
	new Parser(text.replaceAll(" ", "")).parseList(selection, null);
	return selection;
}

/** 400 for a selected name the resource does not have (path shown as Google does, with slashes). */
function check(selection: Selection, schema: Schema, prefix: string): void {
	for (const [name, sub] of selection) {
		if (name === "*") continue;
		const known = schema[name];
		if (known === undefined) invalid(`${prefix}${name}`);
		if (sub !== "all" && known !== "any") {
			if (known === "leaf") invalid(`${prefix}${name}/${[...sub.keys()][0] ?? ""}`);
			check(sub, known, `${prefix}${name}/`);
		}
	}
}

function pick(value: unknown, selection: Selection): unknown {
	if (Array.isArray(value)) return value.map((item) => pick(item, selection));
	if (typeof value !== "object" || value === null) return value;
	const source = value as Record<string, unknown>;
	const wildcard = selection.get("*");
	const out: Record<string, unknown> = {};
	for (const [key, field] of Object.entries(source)) {
		const wanted = selection.get(key) ?? wildcard;
		if (wanted === undefined) continue;
		const kept = wanted === "all" ? field : pick(field, wanted);
		// A sub-selection that found nothing leaves the field out rather than an empty object.
		if (kept !== undefined && !(typeof kept === "object" && kept !== null && !Array.isArray(kept) && Object.keys(kept).length === 0 && wanted !== "all")) out[key] = kept;
	}
	return out;
}

const DATE_TIME: Schema = { date: "leaf", dateTime: "leaf", timeZone: "leaf" };
const PERSON: Schema = { id: "leaf", email: "leaf", displayName: "leaf", self: "leaf" };
const REMINDER: Schema = { method: "leaf", minutes: "leaf" };

const EVENT: Schema = {
	kind: "leaf",
	etag: "leaf",
	id: "leaf",
	status: "leaf",
	htmlLink: "leaf",
	created: "leaf",
	updated: "leaf",
	summary: "leaf",
	description: "leaf",
	location: "leaf",
	colorId: "leaf",
	creator: PERSON,
	organizer: PERSON,
	start: DATE_TIME,
	end: DATE_TIME,
	endTimeUnspecified: "leaf",
	recurrence: "leaf",
	recurringEventId: "leaf",
	originalStartTime: DATE_TIME,
	transparency: "leaf",
	visibility: "leaf",
	iCalUID: "leaf",
	sequence: "leaf",
	attendees: { ...PERSON, organizer: "leaf", resource: "leaf", optional: "leaf", responseStatus: "leaf", comment: "leaf", additionalGuests: "leaf" },
	attendeesOmitted: "leaf",
	extendedProperties: { private: "any", shared: "any" },
	hangoutLink: "leaf",
	conferenceData: "any",
	gadget: "any",
	anyoneCanAddSelf: "leaf",
	guestsCanInviteOthers: "leaf",
	guestsCanModify: "leaf",
	guestsCanSeeOtherGuests: "leaf",
	privateCopy: "leaf",
	locked: "leaf",
	reminders: { useDefault: "leaf", overrides: REMINDER },
	source: { url: "leaf", title: "leaf" },
	attachments: "any",
	eventType: "leaf",
	workingLocationProperties: "any",
	outOfOfficeProperties: "any",
	focusTimeProperties: "any",
	birthdayProperties: "any",
};

const CALENDAR_LIST_ENTRY: Schema = {
	kind: "leaf",
	etag: "leaf",
	id: "leaf",
	summary: "leaf",
	description: "leaf",
	location: "leaf",
	timeZone: "leaf",
	summaryOverride: "leaf",
	colorId: "leaf",
	backgroundColor: "leaf",
	foregroundColor: "leaf",
	hidden: "leaf",
	selected: "leaf",
	accessRole: "leaf",
	defaultReminders: REMINDER,
	notificationSettings: "any",
	primary: "leaf",
	deleted: "leaf",
	conferenceProperties: "any",
};

/** The resources whose field names are checked; other responses (colors, freeBusy, channels) are only trimmed. */
export const SCHEMAS = {
	event: EVENT,
	events: {
		kind: "leaf",
		etag: "leaf",
		summary: "leaf",
		description: "leaf",
		updated: "leaf",
		timeZone: "leaf",
		accessRole: "leaf",
		defaultReminders: REMINDER,
		nextPageToken: "leaf",
		nextSyncToken: "leaf",
		items: EVENT,
	},
	calendarListEntry: CALENDAR_LIST_ENTRY,
	calendarList: { kind: "leaf", etag: "leaf", nextPageToken: "leaf", nextSyncToken: "leaf", items: CALENDAR_LIST_ENTRY },
} satisfies Record<string, Schema>;

export type ResourceKind = keyof typeof SCHEMAS;

/** A checked selection for a resource of `kind`, or null when the request has no `fields`. */
export function selectionFor(fields: string | undefined, kind: ResourceKind | null): Selection | null {
	if (fields === undefined) return null;
	const selection = parseFields(fields);
	if (kind !== null) check(selection, SCHEMAS[kind], "");
	return selection;
}

/** The parts of a response body the selection keeps. */
export function applyFields(body: unknown, selection: Selection): unknown {
	return pick(body, selection);
}
