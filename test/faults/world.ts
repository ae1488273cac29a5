// The fault suite's world: the Worker's sync code pointed at the suite's own sandbox (see
// test/setup/fault-sandbox.ts) through an env whose provider URLs and queue binding are overridden,
// the sandbox's own fault injection (errors with Retry-After, latency past the client's timeout) with
// a count of what it injected, and each provider's calendar read back as (booking or series, start)
// instances through the provider's own API (the sandbox expands the series), for the final comparison.
import { env } from "cloudflare:workers";
import ICAL from "ical.js";
import { inject } from "vitest";
import { instantOf } from "../../src/calendars/event-time";
import { GOOGLE_BOOKING_PROPERTY } from "../../src/calendars/google";
import { bookingUid } from "../../src/calendars/icalendar-write";
import { calendarsOf, connectionById } from "../../src/db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow } from "../../src/db/queries/connections";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { connectUnstored } from "../../src/sync/connection-lifecycle";
import { syncContextFor } from "../../src/sync/context";
import type { SyncContext } from "../../src/sync/context";
import { CredentialVault } from "../../src/sync/credentials";
import type { OAuthProvider } from "../../src/sync/connection-oauth";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";
import { controlOf } from "../support/sandbox-control";
import { db } from "../sync/harness";
import type { SimulatedQueue } from "./queue";

export const faultSandboxUrl = inject("faultSandboxUrl");

/** PROVIDER_TIMEOUT_MS of the suite: long enough for an unhurried sandbox on a busy 2-core machine. */
export const TIMEOUT_MS = 1_000;
/** The sandbox holds a request this long before acting on it, so its client has given up by then. */
export const LATENCY_MS = 1_300;

export const faultControl = controlOf(faultSandboxUrl);

/**
 * Calendar pollers are Durable Objects, which run with the Worker's own env, whose providers are the shared
 * sandbox's, not this suite's: none is started here, so every provider request goes through this suite's env.
 * Polling has its own tests (test/inbound/poller.test.ts).
 */
const NO_POLLERS = {
	idFromName: (name: string) => env.CALENDAR_POLLER.idFromName(name),
	get: () => ({ ensure: async (): Promise<void> => undefined, status: async (): Promise<never[]> => [] }),
} as unknown as Env["CALENDAR_POLLER"];

/** The Worker's env with every provider, the mailbox and the queue binding pointed at the suite's own. */
export function faultEnv(queue: SimulatedQueue): Env {
	return {
		...env,
		CALENDAR_POLLER: NO_POLLERS,
		GOOGLE_ISSUER: `${faultSandboxUrl}/google`,
		GOOGLE_CALENDAR_API: `${faultSandboxUrl}/google/calendar/v3`,
		MICROSOFT_AUTHORITY: `${faultSandboxUrl}/microsoft/common/v2.0`,
		MICROSOFT_GRAPH_API: `${faultSandboxUrl}/microsoft/graph/v1.0`,
		ICLOUD_CALDAV_URL: `${faultSandboxUrl}/icloud`,
		MAIL_SANDBOX_URL: faultSandboxUrl,
		PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS),
		PROVIDER_PUSH: queue as unknown as Queue,
	};
}

export function faultContext(faulty: Env): SyncContext {
	return syncContextFor(faulty, db);
}

export interface StaffCalendar {
	staffId: string;
	provider: "google" | "microsoft" | "icloud";
	connection: ConnectionRow;
	write: ConnectionCalendarRow;
	/** The sandbox account: Google/Microsoft email or Apple ID. */
	account: string;
	/** iCloud's app-specific password (the CalDAV read-back signs in with it). */
	password: string | null;
}

async function writeCalendar(connection: ConnectionRow): Promise<ConnectionCalendarRow> {
	const write = (await calendarsOf(db, connection.id)).find((c) => c.isWriteTarget);
	if (write === undefined) throw new Error(`connection ${connection.id} chose no write calendar`);
	return write;
}

/** A staff member's Google or Microsoft account, connected through a real OAuth grant at the sandbox. */
export async function connectOAuthStaff(context: SyncContext, provider: OAuthProvider, staffId: string, account: string): Promise<StaffCalendar> {
	const connection = await connectSandboxAccount(context, { sandboxUrl: faultSandboxUrl, provider, email: account, name: staffId, merchantId: DEMO_MERCHANT_ID, staffId });
	return { staffId, provider, connection, write: await writeCalendar(connection), account, password: null };
}

/** A staff member's iCloud account (app-specific password; discovery through the sandbox's iCloud layer to its Radicale). */
export async function connectICloudStaff(context: SyncContext, staffId: string, appleId: string, password: string): Promise<StaffCalendar> {
	await faultControl("/icloud/accounts", { appleId, appPassword: password });
	const connection = await connectUnstored(context, { merchantId: DEMO_MERCHANT_ID, staffId }, {
		provider: "icloud",
		accountLabel: appleId,
		credentials: { kind: "password", username: appleId, password },
		serverUrl: `${faultSandboxUrl}/icloud`,
	});
	return { staffId, provider: "icloud", connection, write: await writeCalendar(connection), account: appleId, password };
}

// ---------------------------------------------------------------------------------------------
// Faults

type FaultProvider = StaffCalendar["provider"];

interface ErrorFault {
	provider: FaultProvider;
	status: number;
	retryAfter?: number;
	reason?: string;
}

/** Each provider's failures, three kinds each; how the real services throttle and fail (docs/providers.md). */
const ERROR_FAULTS: ErrorFault[] = [
	{ provider: "google", status: 503 },
	{ provider: "google", status: 429, retryAfter: 1 },
	// Google says "slow down" as a 403 too; only its reason tells it from a refusal.
	{ provider: "google", status: 403, reason: "rateLimitExceeded", retryAfter: 2 },
	{ provider: "microsoft", status: 429, retryAfter: 1 },
	{ provider: "microsoft", status: 503, retryAfter: 2 },
	{ provider: "microsoft", status: 504 },
	{ provider: "icloud", status: 503, retryAfter: 1 },
	{ provider: "icloud", status: 429, retryAfter: 2 },
	{ provider: "icloud", status: 500 },
];

/** A fault retires after `count` hits; this many never runs out, and what is left says how many fired. */
const UNLIMITED = 1_000_000_000;

interface ListedFault {
	provider: FaultProvider;
	status: number;
	errorRate: number;
	count?: number;
	remaining: number;
}

/**
 * The sandbox's faults for the run: every request to any endpoint of the three providers fails with
 * `errorRate` (each provider's three kinds together), and latency windows hold one provider's
 * requests past the client's timeout. Counts what fired, across the re-arming a window's end needs.
 */
export class FaultPlan {
	/** "provider status" → injected errors. */
	readonly injected = new Map<string, number>();
	windows = 0;
	private seed: number;

	constructor(
		private readonly errorRate: number,
		seed: number,
	) {
		this.seed = seed;
	}

	/** Each of a provider's three faults fires with p, so that together they fail errorRate of its requests. */
	private get perFault(): number {
		return 1 - (1 - this.errorRate) ** (1 / 3);
	}

	async arm(): Promise<void> {
		for (const fault of ERROR_FAULTS) {
			await faultControl("/faults", { ...fault, endpoint: "*", errorRate: this.perFault, count: UNLIMITED, seed: this.seed++ });
		}
	}

	/** Adds what fired since arm() to the totals. */
	async count(): Promise<void> {
		const { faults } = (await faultControl("/faults")) as { faults: ListedFault[] };
		for (const fault of faults) {
			if (fault.count !== UNLIMITED) continue;
			const key = `${fault.provider} ${fault.status}`;
			this.injected.set(key, (this.injected.get(key) ?? 0) + fault.count - fault.remaining);
		}
	}

	/** Removes every fault (the sandbox clears them all at once), keeping the count. */
	async disarm(): Promise<void> {
		await this.count();
		await faultControl("/faults", undefined, "DELETE");
	}

	/**
	 * For `openMs` every request to `provider` waits LATENCY_MS in the sandbox before it is handled, so
	 * the client (TIMEOUT_MS) gives up on writes the provider then performs. Requests held alike keep
	 * their order; but once the window closes, a fresh request could overtake one still held (a real
	 * provider acts on arrival), so the queue pauses while the held ones land.
	 */
	async latencyWindow(provider: FaultProvider, openMs: number, queue: SimulatedQueue): Promise<void> {
		this.windows++;
		await faultControl("/faults", { provider, endpoint: "*", latencyMs: LATENCY_MS });
		await sleep(openMs);
		queue.pause();
		await queue.settled();
		await sleep(LATENCY_MS - TIMEOUT_MS + 200);
		await this.disarm();
		await this.arm();
		queue.resume();
	}

	total(provider: FaultProvider): number {
		let sum = 0;
		for (const [key, n] of this.injected) if (key.startsWith(`${provider} `)) sum += n;
		return sum;
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Reading the calendars back

/**
 * What a calendar holds, by booking id (or series id): the start of each instance as the provider
 * expands it, which of the provider's events they come from, and whether those are recurring.
 */
export type Contents = Map<string, { starts: number[]; events: Set<string>; recurring: boolean }>;

function add(contents: Contents, key: string, start: number, event: string, recurring: boolean): void {
	const entry = contents.get(key) ?? { starts: [], events: new Set<string>(), recurring };
	entry.starts.push(start);
	entry.events.add(event);
	entry.recurring &&= recurring;
	contents.set(key, entry);
}

/** The same window for reading back everything the run booked. */
export interface ReadWindow {
	from: number;
	to: number;
}

async function accessToken(connectionId: string): Promise<string> {
	const row = await connectionById(db, connectionId);
	if (row === null || row.credentials === null || row.credentialsKeyId === null) throw new Error(`connection ${connectionId} has no credentials`);
	const credentials = await new CredentialVault(env.ENCRYPTION_KEYS).open({ ciphertext: row.credentials, keyId: row.credentialsKeyId });
	if (credentials.kind !== "oauth") throw new Error("not an OAuth connection");
	return credentials.accessToken;
}

async function getJson(url: string, token: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
	const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
	if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
	return response.json();
}

async function googleContents(calendar: StaffCalendar, window: ReadWindow): Promise<Contents> {
	// Which booking or series each stored event is (instances name their series by recurringEventId).
	const stored = (await faultControl(`/google/calendars/${encodeURIComponent(calendar.write.externalId)}/events`)) as Array<Record<string, unknown>>;
	const marker = new Map(stored.map((e) => [String(e.id), (e.extendedProperties as { private?: Record<string, string> } | undefined)?.private?.[GOOGLE_BOOKING_PROPERTY] ?? `unmarked ${String(e.id)}`]));
	const token = await accessToken(calendar.connection.id);
	const contents: Contents = new Map();
	let pageToken: string | null = null;
	do {
		const query = new URLSearchParams({ singleEvents: "true", maxResults: "2500", timeMin: new Date(window.from).toISOString(), timeMax: new Date(window.to).toISOString() });
		if (pageToken !== null) query.set("pageToken", pageToken);
		const page = await getJson(`${faultSandboxUrl}/google/calendar/v3/calendars/${encodeURIComponent(calendar.write.externalId)}/events?${query}`, token);
		for (const item of (page.items ?? []) as Array<Record<string, unknown>>) {
			if (item.status === "cancelled") continue;
			const start = item.start as { dateTime: string; timeZone?: string };
			const event = String(item.recurringEventId ?? item.id);
			add(contents, marker.get(event) ?? "unknown", instantOf(start.dateTime, start.timeZone ?? "UTC"), event, typeof item.recurringEventId === "string");
		}
		pageToken = typeof page.nextPageToken === "string" ? page.nextPageToken : null;
	} while (pageToken !== null);
	return contents;
}

const TRANSACTION_PREFIX = "slotline-";

async function microsoftContents(calendar: StaffCalendar, window: ReadWindow): Promise<Contents> {
	// Occurrences carry no transactionId: their master's says which series they are.
	const stored = (await faultControl(`/microsoft/calendars/${encodeURIComponent(calendar.write.externalId)}/events`)) as Array<Record<string, unknown>>;
	const marker = new Map(stored.map((e) => [String(e.id), String(e.transactionId ?? `unmarked ${String(e.id)}`).replace(TRANSACTION_PREFIX, "")]));
	const token = await accessToken(calendar.connection.id);
	const contents: Contents = new Map();
	const query = new URLSearchParams({ startDateTime: new Date(window.from).toISOString(), endDateTime: new Date(window.to).toISOString(), $top: "500" });
	let next: string | null = `${faultSandboxUrl}/microsoft/graph/v1.0/me/calendars/${encodeURIComponent(calendar.write.externalId)}/calendarView?${query}`;
	while (next !== null) {
		const page = await getJson(next, token);
		for (const item of (page.value ?? []) as Array<Record<string, unknown>>) {
			const start = item.start as { dateTime: string; timeZone: string };
			const event = String(item.seriesMasterId ?? item.id);
			add(contents, marker.get(event) ?? "unknown", instantOf(start.dateTime, start.timeZone), event, typeof item.seriesMasterId === "string");
		}
		next = typeof page["@odata.nextLink"] === "string" ? page["@odata.nextLink"] : null;
	}
	return contents;
}

async function caldavContents(calendar: StaffCalendar, window: ReadWindow): Promise<Contents> {
	const response = await fetch(calendar.write.externalId, {
		method: "REPORT",
		headers: { authorization: `Basic ${btoa(`${calendar.account}:${calendar.password ?? ""}`)}`, depth: "1", "content-type": "application/xml" },
		body: `<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>`,
	});
	if (response.status !== 207) throw new Error(`REPORT answered ${response.status}`);
	const contents: Contents = new Map();
	const xml = await response.text();
	for (const [n, match] of [...xml.matchAll(/<(?:\w+:)?calendar-data[^>]*>([\s\S]*?)<\/(?:\w+:)?calendar-data>/g)].entries()) {
		const resource = `resource ${n}`;
		const text = (match[1] ?? "").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&#13;", "\r").replaceAll("&amp;", "&");
		const vcalendar = new ICAL.Component(ICAL.parse(text));
		// No ICAL.TimezoneService.register here: ical.js already reads TZIDs from this document's own
		// VTIMEZONEs, and registering them would leak one window's zone into every later parse.
		const vevents = vcalendar.getAllSubcomponents("vevent");
		const master = vevents.find((v) => !v.hasProperty("recurrence-id"));
		if (master === undefined) continue;
		const event = new ICAL.Event(master);
		for (const override of vevents.filter((v) => v.hasProperty("recurrence-id"))) event.relateException(override);
		const key = event.uid.startsWith(bookingUid("")) ? event.uid.slice(bookingUid("").length) : `unmarked ${event.uid}`;
		if (!event.isRecurring()) {
			add(contents, key, event.startDate.toJSDate().getTime(), resource, false);
			continue;
		}
		const iterator = event.iterator();
		for (let next = iterator.next(); next !== null && next !== undefined; next = iterator.next()) {
			const start = event.getOccurrenceDetails(next).startDate.toJSDate().getTime();
			if (start >= window.to) break;
			add(contents, key, start, resource, true);
		}
	}
	return contents;
}

export function calendarContents(calendar: StaffCalendar, window: ReadWindow): Promise<Contents> {
	switch (calendar.provider) {
		case "google":
			return googleContents(calendar, window);
		case "microsoft":
			return microsoftContents(calendar, window);
		case "icloud":
			return caldavContents(calendar, window);
	}
}

/** What a staff member's calendar must hold: each confirmed single booking once and each series once, at current times. */
export async function expectedContents(staffId: string): Promise<Contents> {
	const rows = await env.DB.prepare("select id, series_id, starts_at from bookings where staff_id = ? and status = 'confirmed' order by starts_at")
		.bind(staffId)
		.all<{ id: string; series_id: string | null; starts_at: number }>();
	const contents: Contents = new Map();
	for (const row of rows.results) add(contents, row.series_id ?? row.id, row.starts_at, row.series_id ?? row.id, row.series_id !== null);
	return contents;
}

export interface Differences {
	/** Held by more than one event, or an instance twice. */
	duplicates: string[];
	missing: string[];
	/** Events of cancelled bookings, or of nothing Slotline knows. */
	extra: string[];
	/** A series held other than as one recurring event, or a single booking as a recurring one. */
	wrongShape: string[];
	wrongTime: string[];
}

/** Every difference between what a calendar holds and what it must hold; all empty when exactly right. */
export function differences(actual: Contents, expected: Contents): Differences {
	const sorted = (key: string, contents: Contents): number[] => [...(contents.get(key)?.starts ?? [])].sort((a, b) => a - b);
	const iso = (starts: number[]): string => starts.map((t) => new Date(t).toISOString()).join(",");
	const duplicates = [...actual].filter(([, held]) => held.events.size > 1 || new Set(held.starts).size < held.starts.length).map(([key]) => key);
	const missing = [...expected.keys()].filter((key) => !actual.has(key));
	const extra = [...actual.keys()].filter((key) => !expected.has(key));
	const shared = [...expected.keys()].filter((key) => actual.has(key) && !duplicates.includes(key));
	const wrongShape = shared.filter((key) => actual.get(key)?.recurring !== expected.get(key)?.recurring);
	const wrongTime = shared
		.filter((key) => JSON.stringify(sorted(key, actual)) !== JSON.stringify(sorted(key, expected)))
		.map((key) => `${key}: expected ${iso(sorted(key, expected))} got ${iso(sorted(key, actual))}`);
	return { duplicates, missing, extra, wrongShape, wrongTime };
}
