// Fault injection: per provider/endpoint errors and latency, forced 410s and dropped pushes, each optionally
// scoped to one account, calendar or OAuth client so tests sharing one sandbox cannot hit each other's faults.
import type { Context, MiddlewareHandler } from "hono";
import type { SandboxHttpError } from "./http-error";
import { renderSandboxError } from "./http-error";

/**
 * Who faults apply to; "icloud" is the CalDAV layer, "ics" the published feeds and "mail" the mailbox's sending
 * endpoint (endpoint faults only: errors, Retry-After, latency; "ics" also serves feeds without validators).
 */
export type ProviderName = "google" | "microsoft" | "facebook" | "zoom" | "icloud" | "ics" | "mail";

/**
 * Narrows a fault or switch to what one test owns. Every field given must match; an absent field matches anything,
 * so no scope at all is the old global behaviour (for the benchmark and a dedicated fault sandbox).
 */
export interface FaultScope {
	/** The account a request acts as (its access token's owner, the login_hint, the Apple ID), or a push's calendar owner. */
	account?: string;
	/** The calendar a request names in its path (Google's `primary` resolved), or a push's watched calendar. */
	calendarId?: string;
	/** The OAuth client (`client_id`, or the client an access token was issued to). */
	clientId?: string;
}

/** What the sandbox knows a request (or an outgoing notification) is about; unknown parts stay undefined. */
export type RequestSubject = FaultScope;

export interface FaultSpec {
	provider: ProviderName;
	/** Endpoint name such as "events.insert", or "*" for every endpoint of the provider. */
	endpoint: string;
	/** Probability 0..1 that a matching request fails; default 1. */
	errorRate: number;
	status: number;
	retryAfter?: number;
	latencyMs: number;
	/** How many failures to inject before the fault retires; unlimited when absent. */
	count?: number;
	reason?: string;
	seed?: number;
	scope?: FaultScope;
	/**
	 * Fails (or delays) the answer after the request has done its work: a write that happened though its response was
	 * lost or came too late, which a client that retries must not repeat.
	 */
	afterSuccess?: boolean;
}

/** Whether a fault is looked at before the handler runs or on its successful answer. */
export type FaultPhase = "before" | "after";

interface ActiveFault extends FaultSpec {
	random: () => number;
	remaining: number;
}

/** One armed forceSyncGone: the next sync request in its scope answers 410. */
interface SyncGoneSwitch {
	provider: ProviderName;
	scope?: FaultScope;
}

/** Dropped pushes in one scope: the next `count` are dropped, then each with probability `rate`. */
interface DropSwitch {
	provider: ProviderName;
	scope?: FaultScope;
	rate: number;
	count: number;
}

/** What an error renderer receives when a fault fires. */
export interface InjectedFault {
	status: number;
	retryAfter?: number;
	reason?: string;
}

export type FaultRenderer = (fault: InjectedFault) => SandboxHttpError;

/** mulberry32: a tiny seeded PRNG so a `seed` makes error rates reproducible. */
function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return function next(): number {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function sameAccount(a: string | undefined, b: string | undefined): boolean {
	return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Whether `subject` falls inside `scope`. A subject that does not know a scoped field is outside it. */
export function scopeMatches(scope: FaultScope | undefined, subject: RequestSubject): boolean {
	if (scope === undefined) return true;
	if (scope.account !== undefined && !sameAccount(scope.account, subject.account)) return false;
	if (scope.calendarId !== undefined && scope.calendarId !== subject.calendarId) return false;
	if (scope.clientId !== undefined && scope.clientId !== subject.clientId) return false;
	return true;
}

/** Whether two scopes name exactly the same thing (absent on both sides counts as equal). */
function sameScope(a: FaultScope | undefined, b: FaultScope | undefined): boolean {
	const left = a ?? {};
	const right = b ?? {};
	return (
		(left.account === undefined ? right.account === undefined : sameAccount(left.account, right.account)) &&
		left.calendarId === right.calendarId &&
		left.clientId === right.clientId
	);
}

export class FaultRegistry {
	private faults: ActiveFault[] = [];
	private syncGone: SyncGoneSwitch[] = [];
	private drops: DropSwitch[] = [];
	/** Scopes whose feeds are served without ETag and Last-Modified, as servers that send neither do. */
	private bareFeeds: Array<FaultScope | undefined> = [];

	add(spec: FaultSpec): void {
		const random = spec.seed === undefined ? Math.random : seededRandom(spec.seed);
		this.faults.push({ ...spec, random, remaining: spec.count ?? Number.POSITIVE_INFINITY });
	}

	/** Arms one forced 410 for the next sync request of `provider` inside `scope`. */
	armSyncGone(provider: ProviderName, scope?: FaultScope): void {
		this.syncGone.push(scope === undefined ? { provider } : { provider, scope });
	}

	/** Sets how pushes inside `scope` are dropped, replacing an earlier setting of the same scope. */
	setDrops(provider: ProviderName, scope: FaultScope | undefined, drop: { rate?: number; count?: number }): { rate: number; count: number } {
		let entry = this.drops.find((d) => d.provider === provider && sameScope(d.scope, scope));
		if (entry === undefined) {
			entry = scope === undefined ? { provider, rate: 0, count: 0 } : { provider, scope, rate: 0, count: 0 };
			this.drops.push(entry);
		}
		if (drop.rate !== undefined) entry.rate = drop.rate;
		if (drop.count !== undefined) entry.count = drop.count;
		return { rate: entry.rate, count: entry.count };
	}

	/** Serves the feeds inside `scope` without validators (`on`), or with them again. */
	setBareFeeds(scope: FaultScope | undefined, on: boolean): void {
		this.bareFeeds = this.bareFeeds.filter((s) => !sameScope(s, scope));
		if (on) this.bareFeeds.push(scope);
	}

	/** Whether a feed request about `subject` gets ETag and Last-Modified (and so can be answered 304). */
	sendsValidators(subject: RequestSubject): boolean {
		return !this.bareFeeds.some((scope) => scopeMatches(scope, subject));
	}

	/** Forgets everything, or (with a scope) only the faults and switches armed with exactly that scope. */
	clear(scope?: FaultScope): void {
		if (scope === undefined) {
			this.faults = [];
			this.syncGone = [];
			this.drops = [];
			this.bareFeeds = [];
			return;
		}
		this.faults = this.faults.filter((f) => !sameScope(f.scope, scope));
		this.syncGone = this.syncGone.filter((s) => !sameScope(s.scope, scope));
		this.drops = this.drops.filter((d) => !sameScope(d.scope, scope));
		this.bareFeeds = this.bareFeeds.filter((s) => !sameScope(s, scope));
	}

	list(): Array<Omit<ActiveFault, "random">> {
		return this.faults.map(({ random: _random, ...rest }) => rest);
	}

	/** Armed switches, for GET /_control/faults. */
	switches(): Array<Record<string, unknown>> {
		return [
			...this.syncGone.map((s) => ({ provider: s.provider, forceSyncGone: true, ...(s.scope === undefined ? {} : { scope: s.scope }) })),
			...this.drops
				.filter((d) => d.rate > 0 || d.count > 0)
				.map((d) => ({ provider: d.provider, dropNotifications: { rate: d.rate, count: d.count }, ...(d.scope === undefined ? {} : { scope: d.scope }) })),
			...this.bareFeeds.map((scope) => ({ provider: "ics", noValidators: true, ...(scope === undefined ? {} : { scope }) })),
		];
	}

	/** Consumes one forced 410 whose scope covers this sync request: only that request fails. */
	takeSyncGone(provider: ProviderName, subject: RequestSubject): boolean {
		const index = this.syncGone.findIndex((s) => s.provider === provider && scopeMatches(s.scope, subject));
		if (index < 0) return false;
		this.syncGone.splice(index, 1);
		return true;
	}

	/** Decides whether one outgoing notification about `subject` is dropped. */
	shouldDropNotification(provider: ProviderName, subject: RequestSubject): boolean {
		const matching = this.drops.filter((d) => d.provider === provider && scopeMatches(d.scope, subject));
		const counted = matching.find((d) => d.count > 0);
		if (counted !== undefined) {
			counted.count -= 1;
			return true;
		}
		return matching.some((d) => d.rate > 0 && Math.random() < d.rate);
	}

	/**
	 * Applies latency and returns the fault to inject, if any; only faults whose scope covers the request count. The
	 * subject is worked out only when a scoped fault could apply, so unscoped runs (the benchmark) pay nothing for it.
	 */
	async evaluate(
		provider: ProviderName,
		endpoint: string,
		subjectOf: () => RequestSubject | Promise<RequestSubject> = () => ({}),
		phase: FaultPhase = "before",
	): Promise<InjectedFault | null> {
		const candidates = this.faults.filter(
			(f) => f.provider === provider && (f.endpoint === "*" || f.endpoint === endpoint) && (f.afterSuccess === true) === (phase === "after"),
		);
		if (candidates.length === 0) return null;
		const subject = candidates.some((f) => f.scope !== undefined) ? await subjectOf() : {};
		let latency = 0;
		let hit: InjectedFault | null = null;
		for (const fault of candidates) {
			if (!scopeMatches(fault.scope, subject)) continue;
			latency = Math.max(latency, fault.latencyMs);
			if (hit !== null || fault.remaining <= 0 || fault.errorRate <= 0) continue;
			if (fault.random() < fault.errorRate) {
				fault.remaining -= 1;
				hit = { status: fault.status };
				if (fault.retryAfter !== undefined) hit.retryAfter = fault.retryAfter;
				if (fault.reason !== undefined) hit.reason = fault.reason;
			}
		}
		this.faults = this.faults.filter((f) => f.remaining > 0);
		if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
		return hit;
	}
}

/** Works out what a request is about, for scoped faults; each provider's routes know how. */
export type SubjectOf = (c: Context) => RequestSubject | Promise<RequestSubject>;

/**
 * Route middleware: names the endpoint for fault matching and throws the provider-shaped error. An `afterSuccess`
 * fault lets the handler run and replaces (or delays) its successful answer, so the change is made all the same.
 */
export function faultGuard(
	registry: () => FaultRegistry,
	provider: ProviderName,
	endpoint: string,
	render: FaultRenderer,
	subjectOf: SubjectOf = () => ({}),
): MiddlewareHandler {
	return async function guard(c, next): Promise<void> {
		const fault = await registry().evaluate(provider, endpoint, () => subjectOf(c));
		if (fault !== null) throw render(fault);
		await next();
		if (c.res.status >= 400) return;
		const late = await registry().evaluate(provider, endpoint, () => subjectOf(c), "after");
		if (late === null) return;
		// Cleared first: Hono would otherwise carry the lost answer's headers (content-length among them) over.
		await c.res.body?.cancel();
		c.res = undefined;
		c.res = renderSandboxError(render(late));
	};
}
