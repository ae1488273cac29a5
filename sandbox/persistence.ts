// Saves the sandbox's durable state to a JSON file and restores it into a freshly created state, so a second
// `npm start` on the same local database finds the accounts, grants, calendars and iCloud accounts it left.
//
// Everything reachable from SandboxState is saved except the parts named transient below. Restoring walks the
// saved tree into the fresh state's own objects instead of replacing them: the fresh instances keep their
// prototypes, the change listeners createXState wired between them and the closures over clock and dispatcher.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { ICloudAccounts } from "./caldav/icloud-accounts";
import { PublishedFeeds } from "./caldav/published-feeds";
import { ChannelRegistry } from "./google/push";
import { GoogleStore } from "./google/store";
import type { FieldsOf } from "./json-codec";
import { decodeJson, encodeJson } from "./json-codec";
import { Mailbox } from "./mailbox";
import type { OutlookCategory } from "./microsoft/master-categories";
import { masterCategoryLists } from "./microsoft/master-categories";
import { OutlookStore } from "./microsoft/store";
import { SubscriptionRegistry } from "./microsoft/subscriptions";
import { AuthorizationServer } from "./oauth/authorization-server";
import { ClientRegistry } from "./oauth/clients";
import { UserDirectory } from "./oauth/users";
import type { SandboxState } from "./state";
import { resetState } from "./state";
import { ZoomMeetings } from "./zoom/meetings";

const FORMAT = "slotline-sandbox-state";
const VERSION = 1;

/** Parts of SandboxState a restart forgets; the fresh state keeps its own. */
const TRANSIENT_STATE_FIELDS: ReadonlySet<string> = new Set([
	// This run's addresses, from its options and bound ports.
	"publicUrl",
	"partitionUrl",
	// The running Radicale (a process handle); its users and collections live in its own storage folder.
	"caldav",
	// Closures over a time offset that POST /_control/clock adds for one session's expiry tests; saved instants
	// are epoch ms, so they stay meaningful on the real clock.
	"clock",
	// A CryptoKey, new at every start: ID tokens are checked once, at sign-in, against the JWKS of the moment.
	"keys",
	// Faults and switches a test arms for itself, with seeded random generators (closures).
	"faults",
	// Deliveries in flight (promises, retry timers) and their log; a push is sent once, never replayed.
	"webhooks",
]);

/** Provider-state fields a restart forgets: `rounds` caches worked-out events.list rounds; a page token of a missing round is worked out afresh. */
const TRANSIENT_GOOGLE_FIELDS: ReadonlySet<string> = new Set(["rounds"]);

/**
 * Classes whose instances are saved field by field, with the fields a restart forgets. Any other class instance in
 * the state stops a save with its path, so a new kind of state is never dropped or half-written unnoticed.
 */
const SAVED_CLASSES = new Map<abstract new (...args: never[]) => unknown, ReadonlySet<string>>([
	[UserDirectory, new Set()],
	[ClientRegistry, new Set()],
	// `options` is construction settings (the clock, token prefix, lifetime rules as closures) that createXState
	// writes in code; the data is codes, tokens, grants and consents.
	[AuthorizationServer, new Set(["options"])],
	// `listeners` are the closures createGoogleState / createMicrosoftState wired to the fresh channel and
	// subscription registries.
	[GoogleStore, new Set(["listeners"])],
	[OutlookStore, new Set(["listeners"])],
	// Its webhooks/faults/now are closures (skipped as functions); channels are data.
	[ChannelRegistry, new Set()],
	// `batches` are notifications waiting out their batch window on a timer of this process.
	[SubscriptionRegistry, new Set(["batches"])],
	[ICloudAccounts, new Set()],
	[PublishedFeeds, new Set()],
	[Mailbox, new Set()],
	[ZoomMeetings, new Set()],
]);

/** The saved tree: the durable part of SandboxState, plus Outlook's category lists, which live beside the store. */
interface SavedState {
	state: Record<string, unknown>;
	masterCategories: Map<string, OutlookCategory[]>;
}

/** A parsed state file, ready for restoreSnapshot. */
export interface Snapshot {
	saved: SavedState;
}

export interface RestoreSummary {
	users: number;
	calendars: number;
	icloudAccounts: number;
}

/** The file could not be read as a sandbox state (damaged, or written by an incompatible version). */
export class UnreadableStateError extends Error {}

function fieldsOf(state: SandboxState): FieldsOf {
	return (value, path) => {
		const fields = Object.keys(value);
		if (value === state) return fields.filter((key) => !TRANSIENT_STATE_FIELDS.has(key));
		if (value === state.google) return fields.filter((key) => !TRANSIENT_GOOGLE_FIELDS.has(key));
		const proto: unknown = Object.getPrototypeOf(value);
		if (proto === Object.prototype || proto === null) return fields;
		const transient = SAVED_CLASSES.get(value.constructor as abstract new (...args: never[]) => unknown);
		if (transient === undefined) {
			throw new TypeError(`${path} is a ${value.constructor.name}: list it in SAVED_CLASSES (sandbox/persistence.ts) or leave it out as transient`);
		}
		return fields.filter((key) => !transient.has(key));
	};
}

/** The state file's text for this state (no timestamp, so unchanged state gives the same text). */
export function serializeState(state: SandboxState): string {
	const saved: SavedState = { state: state as unknown as Record<string, unknown>, masterCategories: masterCategoryLists(state.microsoft.store) };
	return encodeJson({ format: FORMAT, version: VERSION, saved }, fieldsOf(state));
}

/** Reads a state file; undefined when there is none. */
export async function readSnapshot(file: string): Promise<Snapshot | undefined> {
	let text: string;
	try {
		text = await readFile(file, "utf8");
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
		throw error;
	}
	let parsed: unknown;
	try {
		parsed = decodeJson(text);
	} catch (error) {
		throw new UnreadableStateError(`${file} is not a sandbox state file: ${error instanceof Error ? error.message : String(error)}`);
	}
	const content = parsed as { format?: unknown; version?: unknown; saved?: Partial<SavedState> } | null;
	if (content?.format !== FORMAT || content.version !== VERSION || !isRecord(content.saved?.state) || !(content.saved.masterCategories instanceof Map)) {
		throw new UnreadableStateError(`${file} is not a version ${VERSION} sandbox state file`);
	}
	return { saved: content.saved as SavedState };
}

function isRecord(value: unknown): value is Record<string, unknown> {
	if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Map || value instanceof Set) return false;
	return true;
}

/**
 * Walks `saved` into `target`. Objects the fresh state built (provider states, registries, stores, settings) are
 * entered field by field; Maps and Sets are filled in place, so whatever holds them keeps holding them, and an entry
 * the fresh state already has wins (the default OAuth clients and SANDBOX_*_CLIENTS are configuration of this run);
 * everything else (records, arrays, numbers) is replaced.
 */
function restoreInto(target: Record<string, unknown>, saved: Record<string, unknown>, path: string): void {
	for (const [key, value] of Object.entries(saved)) {
		const current = target[key];
		const here = `${path}.${key}`;
		if (typeof current === "function") throw new UnreadableStateError(`${here}: saved data where the sandbox has code`);
		if (current instanceof Map) {
			if (!(value instanceof Map)) throw new UnreadableStateError(`${here}: expected a Map`);
			for (const [entryKey, entry] of value) if (!current.has(entryKey)) current.set(entryKey, entry);
		} else if (current instanceof Set) {
			if (!(value instanceof Set)) throw new UnreadableStateError(`${here}: expected a Set`);
			for (const entry of value) current.add(entry);
		} else if (isRecord(current) && isRecord(value)) {
			restoreInto(current, value, here);
		} else {
			target[key] = value;
		}
	}
}

/**
 * Puts a snapshot into a state fresh from createState (before its ports open). When the snapshot does not fit,
 * the state is reset to empty and UnreadableStateError is thrown, so no half-restored state is ever served.
 */
export function restoreSnapshot(state: SandboxState, snapshot: Snapshot): RestoreSummary {
	try {
		restoreInto(state as unknown as Record<string, unknown>, snapshot.saved.state, "state");
		const lists = masterCategoryLists(state.microsoft.store);
		for (const [owner, list] of snapshot.saved.masterCategories) lists.set(owner, list);
	} catch (error) {
		resetState(state);
		throw error instanceof UnreadableStateError ? error : new UnreadableStateError(error instanceof Error ? error.message : String(error));
	}
	return {
		users: state.google.users.list().length + state.microsoft.users.list().length + state.facebook.users.list().length + state.zoom.users.list().length,
		calendars: state.google.store.allCalendars().length + state.microsoft.store.allCalendars().length,
		icloudAccounts: state.icloud.list().length,
	};
}

/** Writes beside the target and renames over it, so a crash mid-write leaves the previous file whole; 0600, as it holds tokens. */
export async function writeStateFile(file: string, text: string): Promise<void> {
	await mkdir(dirname(file), { recursive: true, mode: 0o700 });
	const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
	const handle = await open(temp, "wx", 0o600);
	try {
		await handle.writeFile(text, "utf8");
		await handle.sync();
	} finally {
		await handle.close();
	}
	try {
		await rename(temp, file);
	} catch (error) {
		await rm(temp, { force: true });
		throw error;
	}
}

export async function saveState(state: SandboxState, file: string): Promise<void> {
	await writeStateFile(file, serializeState(state));
}

export interface AutoSave {
	/** Stops the timer and saves once more if anything changed since the last save. */
	stop(): Promise<void>;
}

/**
 * Saves every `everyMs` when the state changed, so a crash loses at most that much. Saves run one after another;
 * a failed periodic save is reported through `onError` and tried again next time.
 */
export function autoSave(state: SandboxState, file: string, everyMs: number, onError: (error: unknown) => void): AutoSave {
	let written: string | undefined;
	let queue: Promise<void> = Promise.resolve();
	function save(): Promise<void> {
		const run = queue.then(async () => {
			const text = serializeState(state);
			if (text === written) return;
			await writeStateFile(file, text);
			written = text;
		});
		queue = run.catch(() => undefined);
		return run;
	}
	const timer = setInterval(() => {
		save().catch(onError);
	}, everyMs);
	// The timer alone must not keep the process alive.
	timer.unref();
	return {
		stop(): Promise<void> {
			clearInterval(timer);
			return save();
		},
	};
}
