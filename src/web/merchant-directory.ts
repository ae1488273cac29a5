// The merchant directory as the public routes read it: slug -> merchants row, remembered per isolate
// for a minute, so a widget's burst of catalogue, availability and booking calls costs one D1 lookup
// instead of one each. Only found merchants are remembered: a business created a moment ago is
// bookable at once. A change made in this isolate (the admin's settings) is seen at once; one made
// in another isolate, within the minute.
import type { Database } from "../db/client";
import { merchantBySlug } from "../db/queries/catalog";
import type { MerchantRow } from "../db/queries/catalog";

export interface MerchantDirectoryOptions {
	/** How long a row is served from memory. */
	ttlMs: number;
	/** Rows kept; the least recently used goes first. */
	maxEntries: number;
	now: () => number;
}

interface Entry {
	row: MerchantRow;
	expiresAt: number;
}

export class MerchantDirectory {
	/** In order of last use, oldest first (a Map keeps insertion order, and a hit is re-inserted). */
	readonly #entries = new Map<string, Entry>();

	constructor(private readonly options: MerchantDirectoryOptions) {}

	/**
	 * The merchant at `slug`, from memory or else from `load`. The row is frozen, since every request of
	 * the isolate shares it. What `load` throws (NotFoundError for an unknown slug) is passed on and
	 * nothing is remembered.
	 */
	async lookup(slug: string, load: (slug: string) => Promise<MerchantRow>): Promise<MerchantRow> {
		const now = this.options.now();
		const entry = this.#entries.get(slug);
		if (entry !== undefined) {
			this.#entries.delete(slug);
			if (entry.expiresAt > now) {
				this.#entries.set(slug, entry);
				return entry.row;
			}
		}
		const row = await load(slug);
		deepFreeze(row);
		// Counted from before the read, so a row is never served longer than ttlMs after D1 gave it.
		this.#entries.set(slug, { row, expiresAt: now + this.options.ttlMs });
		for (const oldest of this.#entries.keys()) {
			if (this.#entries.size <= this.options.maxEntries) break;
			this.#entries.delete(oldest);
		}
		return row;
	}

	/** Drops every row of the merchant `merchantId`, whatever slug it was found by. */
	forget(merchantId: string): void {
		for (const [slug, entry] of this.#entries) {
			if (entry.row.id === merchantId) this.#entries.delete(slug);
		}
	}

	clear(): void {
		this.#entries.clear();
	}
}

/** Freezes `value` and every object in it: a row's settings are JSON of any depth. */
function deepFreeze(value: unknown): void {
	if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
	Object.freeze(value);
	for (const inner of Object.values(value)) deepFreeze(inner);
}

const directory = new MerchantDirectory({ ttlMs: 60_000, maxEntries: 1_000, now: () => Date.now() });

/** merchantBySlug through this isolate's directory: NotFoundError for an unknown slug, never remembered. */
export function cachedMerchantBySlug(db: Database, slug: string): Promise<MerchantRow> {
	return directory.lookup(slug, (s) => merchantBySlug(db, s));
}

/** Call after changing a merchant's row (slug, name, zone, settings), so this isolate reads it afresh. */
export function forgetMerchant(merchantId: string): void {
	directory.forget(merchantId);
}

/** Empties this isolate's directory, for when the merchants table itself is emptied (the tests' reset). */
export function clearMerchantDirectory(): void {
	directory.clear();
}
