// Fault injection: per provider/endpoint errors, latency and flags (forced 410, revoked grants, dropped pushes).
import type { MiddlewareHandler } from "hono";
import { SandboxHttpError } from "./http-error";

/** Who faults apply to; "icloud" is the CalDAV layer (endpoint faults only: errors, Retry-After, latency). */
export type ProviderName = "google" | "microsoft" | "facebook" | "icloud";

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
}

interface ActiveFault extends FaultSpec {
	random: () => number;
	remaining: number;
}

export interface ProviderFlags {
	forceSyncGone: boolean;
	revokeRefreshTokens: boolean;
	dropRate: number;
	dropCount: number;
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

function emptyFlags(): ProviderFlags {
	return { forceSyncGone: false, revokeRefreshTokens: false, dropRate: 0, dropCount: 0 };
}

export class FaultRegistry {
	private faults: ActiveFault[] = [];
	private flags = new Map<ProviderName, ProviderFlags>();

	add(spec: FaultSpec): void {
		const random = spec.seed === undefined ? Math.random : seededRandom(spec.seed);
		this.faults.push({ ...spec, random, remaining: spec.count ?? Number.POSITIVE_INFINITY });
	}

	flagsFor(provider: ProviderName): ProviderFlags {
		let flags = this.flags.get(provider);
		if (flags === undefined) {
			flags = emptyFlags();
			this.flags.set(provider, flags);
		}
		return flags;
	}

	clear(): void {
		this.faults = [];
		this.flags.clear();
	}

	list(): Array<Omit<ActiveFault, "random">> {
		return this.faults.map(({ random: _random, ...rest }) => rest);
	}

	/** Consumes the forced-410 flag: only the next sync attempt fails. */
	takeSyncGone(provider: ProviderName): boolean {
		const flags = this.flagsFor(provider);
		if (!flags.forceSyncGone) return false;
		flags.forceSyncGone = false;
		return true;
	}

	/** Decides whether one outgoing notification is dropped. */
	shouldDropNotification(provider: ProviderName): boolean {
		const flags = this.flagsFor(provider);
		if (flags.dropCount > 0) {
			flags.dropCount -= 1;
			return true;
		}
		return flags.dropRate > 0 && Math.random() < flags.dropRate;
	}

	/** Applies latency and returns the fault to inject, if any. */
	async evaluate(provider: ProviderName, endpoint: string): Promise<InjectedFault | null> {
		let latency = 0;
		let hit: InjectedFault | null = null;
		for (const fault of this.faults) {
			if (fault.provider !== provider) continue;
			if (fault.endpoint !== "*" && fault.endpoint !== endpoint) continue;
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

/** Route middleware: names the endpoint for fault matching and throws the provider-shaped error. */
export function faultGuard(
	registry: () => FaultRegistry,
	provider: ProviderName,
	endpoint: string,
	render: FaultRenderer,
): MiddlewareHandler {
	return async function guard(_c, next): Promise<void> {
		const fault = await registry().evaluate(provider, endpoint);
		if (fault !== null) throw render(fault);
		await next();
	};
}
