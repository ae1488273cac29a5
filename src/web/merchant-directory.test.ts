// The merchant directory cache: what it remembers, for how long, and what it never remembers.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { database } from "../db/client";
import type { MerchantRow } from "../db/queries/catalog";
import { merchants } from "../db/schema";
import { NotFoundError } from "../errors";
import { MerchantDirectory, cachedMerchantBySlug, clearMerchantDirectory } from "./merchant-directory";

function row(id: string, slug: string): MerchantRow {
	return {
		id,
		slug,
		name: `Shop ${id}`,
		timezone: "Europe/Amsterdam",
		brandColor: "#4f46e5",
		settings: { tentativeBlocks: true, signIn: { google: false, facebook: false, password: true } },
	} as MerchantRow;
}

/** A directory over an in-memory table, counting the loads it asks for. */
function world(options: { ttlMs?: number; maxEntries?: number } = {}) {
	let now = 1_000_000;
	const table = new Map<string, MerchantRow>();
	const loads: string[] = [];
	const directory = new MerchantDirectory({ ttlMs: options.ttlMs ?? 60_000, maxEntries: options.maxEntries ?? 1_000, now: () => now });
	const load = async (slug: string): Promise<MerchantRow> => {
		loads.push(slug);
		const found = table.get(slug);
		if (found === undefined) throw new NotFoundError("Merchant");
		return { ...found, settings: structuredClone(found.settings) };
	};
	return {
		directory,
		table,
		loads,
		lookup: (slug: string) => directory.lookup(slug, load),
		advance: (ms: number) => {
			now += ms;
		},
	};
}

describe("MerchantDirectory", () => {
	it("serves a found merchant from memory until its time is up", async () => {
		const w = world();
		w.table.set("shop", row("mer_1", "shop"));
		expect((await w.lookup("shop")).id).toBe("mer_1");
		w.advance(59_999);
		expect((await w.lookup("shop")).id).toBe("mer_1");
		expect(w.loads).toEqual(["shop"]);
		w.advance(1);
		await w.lookup("shop");
		expect(w.loads).toEqual(["shop", "shop"]);
	});

	it("never remembers an unknown slug: a merchant created a moment later is found at once", async () => {
		const w = world();
		await expect(w.lookup("new-shop")).rejects.toBeInstanceOf(NotFoundError);
		await expect(w.lookup("new-shop")).rejects.toBeInstanceOf(NotFoundError);
		w.table.set("new-shop", row("mer_new", "new-shop"));
		expect((await w.lookup("new-shop")).id).toBe("mer_new");
		expect(w.loads).toEqual(["new-shop", "new-shop", "new-shop"]);
	});

	it("sees a changed slug: the new one at once, the old one gone once its time is up", async () => {
		const w = world();
		w.table.set("old-name", row("mer_1", "old-name"));
		await w.lookup("old-name");
		w.table.delete("old-name");
		w.table.set("new-name", row("mer_1", "new-name"));
		expect((await w.lookup("new-name")).slug).toBe("new-name");
		w.advance(60_000);
		await expect(w.lookup("old-name")).rejects.toBeInstanceOf(NotFoundError);
	});

	it("forgets every slug of a merchant when told, and only that merchant", async () => {
		const w = world();
		w.table.set("a", row("mer_a", "a"));
		w.table.set("b", row("mer_b", "b"));
		await w.lookup("a");
		await w.lookup("b");
		w.table.set("a", { ...row("mer_a", "a"), name: "Renamed" });
		w.directory.forget("mer_a");
		expect((await w.lookup("a")).name).toBe("Renamed");
		await w.lookup("b");
		expect(w.loads).toEqual(["a", "b", "a"]);
	});

	it("keeps at most maxEntries, dropping the least recently used", async () => {
		const w = world({ maxEntries: 2 });
		for (const slug of ["a", "b", "c"]) w.table.set(slug, row(`mer_${slug}`, slug));
		await w.lookup("a");
		await w.lookup("b");
		await w.lookup("a"); // a is now the most recently used
		await w.lookup("c"); // so b goes
		await w.lookup("a");
		await w.lookup("c");
		expect(w.loads).toEqual(["a", "b", "c"]);
		await w.lookup("b");
		expect(w.loads).toEqual(["a", "b", "c", "b"]);
	});

	it("hands out a frozen row, since every request of the isolate shares it", async () => {
		const w = world();
		w.table.set("shop", row("mer_1", "shop"));
		const found = await w.lookup("shop");
		expect(Object.isFrozen(found)).toBe(true);
		expect(Object.isFrozen(found.settings.signIn)).toBe(true);
	});
});

/** env.DB counting the statements prepared through it. */
function countingDatabase(): { binding: D1Database; statements: () => number } {
	let prepared = 0;
	const binding = new Proxy(env.DB, {
		get(target, key): unknown {
			if (key === "prepare") {
				return (query: string) => {
					prepared += 1;
					return target.prepare(query);
				};
			}
			const value: unknown = Reflect.get(target, key);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	return { binding, statements: () => prepared };
}

describe("cachedMerchantBySlug", () => {
	beforeEach(() => clearMerchantDirectory());

	it("reads D1 once for a merchant asked for twice within the minute, and every time for an unknown one", async () => {
		const db = database(env.DB);
		await db.insert(merchants).values({ id: "mer_dir", slug: "directory-shop", name: "Directory Shop", timezone: "UTC", settings: { tentativeBlocks: true, signIn: { google: false, facebook: false, password: true } } });
		const counted = countingDatabase();
		const countedDb = database(counted.binding);
		expect((await cachedMerchantBySlug(countedDb, "directory-shop")).id).toBe("mer_dir");
		expect(counted.statements()).toBe(1);
		expect((await cachedMerchantBySlug(countedDb, "directory-shop")).id).toBe("mer_dir");
		expect(counted.statements()).toBe(1);

		await expect(cachedMerchantBySlug(countedDb, "not-yet")).rejects.toBeInstanceOf(NotFoundError);
		await db.update(merchants).set({ slug: "not-yet" }).where(eq(merchants.id, "mer_dir"));
		expect((await cachedMerchantBySlug(countedDb, "not-yet")).id).toBe("mer_dir");
		expect(counted.statements()).toBe(3);
	});
});
