// The benchmarks' wrangler config (scripts/bench/wrangler.bench.toml) runs the app as production does:
// it must equal wrangler.toml, paths resolved, except for its name, its entry and the baseline's
// Durable Object, so a binding, variable, queue or migration added to one and not the other fails here
// rather than as a benchmark that measures another app, or one that crashes.
import path from "node:path";
import { unstable_readConfig } from "wrangler";
import { describe, expect, it } from "vitest";

const root = path.join(import.meta.dirname, "..", "..");
const BENCH_CONFIG = path.join(root, "scripts", "bench", "wrangler.bench.toml");
const BASELINE_CLASS = "BaselineSchedule";

/** The parts of wrangler's resolved config read here (its own type lives in a package wrangler bundles). */
interface Config {
	configPath?: string;
	name?: string;
	main?: string;
	assets?: { directory?: string };
	d1_databases: Array<{ migrations_dir?: string }>;
	durable_objects: { bindings: Array<{ name: string; class_name: string }> };
	migrations: Array<{ tag: string; new_sqlite_classes?: string[] }>;
	[field: string]: unknown;
}

function read(configPath: string): Config {
	return unstable_readConfig({ config: configPath }) as Config;
}

/** The parts that must match, with every path made absolute against the file that holds it. */
function comparable(config: Config): Record<string, unknown> {
	const dir = path.dirname(config.configPath ?? "");
	const { configPath, userConfigPath, topLevelName, name, main, ...rest } = config;
	return {
		...rest,
		assets: rest.assets === undefined ? undefined : { ...rest.assets, directory: path.resolve(dir, rest.assets.directory ?? "") },
		d1_databases: rest.d1_databases.map((db) => ({ ...db, migrations_dir: path.resolve(dir, db.migrations_dir ?? "migrations") })),
		durable_objects: { bindings: rest.durable_objects.bindings.filter((binding) => binding.class_name !== BASELINE_CLASS) },
		migrations: rest.migrations.filter((migration) => !(migration.new_sqlite_classes ?? []).includes(BASELINE_CLASS)),
	};
}

describe("scripts/bench/wrangler.bench.toml", () => {
	const production = read(path.join(root, "wrangler.toml"));
	const bench = read(BENCH_CONFIG);

	it("is wrangler.toml plus the baseline, under another name and the bench entry", () => {
		expect(comparable(bench)).toEqual(comparable(production));
		expect(bench.name).not.toBe(production.name);
		expect(bench.main).toBe(path.join(root, "scripts", "bench", "baseline-worker.ts"));
	});

	it("adds the baseline's SQLite Durable Object, which production lacks", () => {
		expect(bench.durable_objects.bindings).toContainEqual({ name: "BASELINE_SCHEDULE", class_name: BASELINE_CLASS });
		expect(bench.migrations.some((migration) => migration.new_sqlite_classes?.includes(BASELINE_CLASS))).toBe(true);
		expect(JSON.stringify(production)).not.toContain(BASELINE_CLASS);
	});
});
