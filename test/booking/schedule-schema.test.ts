// The merchant object's SQLite schema (src/booking/schedule-schema.ts) migrates from every earlier
// version to the current one without losing what an object already held, ends exactly where a new
// object starts, and migrating again changes nothing.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { SCHEDULE_MIGRATIONS, SCHEDULE_SCHEMA_VERSION, migrateScheduleStorage } from "../../src/booking/schedule-schema";

/** What objects held before the schedule moved into them (version 0): only the idempotency table. */
const VERSION_0 = `create table if not exists idempotency (
	key text primary key,
	request_hash text not null,
	outcome text not null,
	created_at integer not null
)`;

const TABLES = [
	"booking_series",
	"bookings",
	"busy_blocks",
	"date_overrides",
	"email_claims",
	"feed_calendars",
	"feed_events",
	"idempotency",
	"outbox",
	"resources",
	"schedule_version",
	"schema_version",
	"services",
	"setup_state",
	"staff",
	"staff_services",
	"time_off",
	"upgrade_tasks",
	"working_hours",
];
/** The overlap guards, and the triggers that move schedule_version on every write to what availability reads. */
const VERSIONED = ["setup_state", "services", "staff", "staff_services", "resources", "working_hours", "date_overrides", "time_off", "booking_series", "bookings", "busy_blocks"];
const TRIGGERS = ["bookings_no_overlap_insert", "bookings_no_overlap_update", ...VERSIONED.flatMap((table) => ["delete", "insert", "update"].map((op) => `${table}_${op}_version`))].sort();

interface Snapshot {
	version: number | null;
	/** Every table, index and trigger with its SQL, by name. */
	schema: Array<{ type: string; name: string; tbl_name: string; sql: string | null }>;
	idempotency: Array<Record<string, SqlStorageValue>>;
}

function snapshot(sql: SqlStorage): Snapshot {
	const hasVersion = sql.exec("select 1 from sqlite_master where type = 'table' and name = 'schema_version'").toArray().length > 0;
	return {
		version: hasVersion ? ((sql.exec<{ version: number }>("select version from schema_version where id = 1").toArray()[0]?.version ?? null) as number | null) : null,
		// Whitespace aside: a table an older version created keeps the text it was created with.
		schema: sql
			.exec<{ type: string; name: string; tbl_name: string; sql: string | null }>("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' and name not like '_cf_%' order by type, name")
			.toArray()
			.map((entry) => ({ ...entry, sql: entry.sql?.replace(/\s+/g, " ") ?? null })),
		idempotency: sql.exec("select key, request_hash, outcome, created_at from idempotency order by key").toArray(),
	};
}

/**
 * Puts an object's storage in the state of schema `version`: emptied, then what version 0 objects held
 * (with one stored outcome), then the migration steps up to `version` as a deployment of that time ran them.
 */
async function storageAt(storage: DurableObjectStorage, version: number): Promise<void> {
	await storage.deleteAll();
	const sql = storage.sql;
	sql.exec(VERSION_0);
	sql.exec("insert into idempotency (key, request_hash, outcome, created_at) values ('create:public:earlier', 'hash', '{\"ok\":true}', 1700000000000)");
	if (version === 0) return;
	sql.exec("create table schema_version (id integer primary key check (id = 1), version integer not null)");
	for (let step = 0; step < version; step++) sql.exec(SCHEDULE_MIGRATIONS[step] as string);
	sql.exec("insert into schema_version (id, version) values (1, ?)", version);
}

describe("the merchant object's schema", () => {
	it("is what a new object starts with: every table and the overlap triggers, at the current version", async () => {
		const fresh = await runInDurableObject(merchantSchedule(env, "mer_schema_fresh"), (_instance, state) => snapshot(state.storage.sql));
		expect(fresh.version).toBe(SCHEDULE_SCHEMA_VERSION);
		expect(fresh.schema.filter((entry) => entry.type === "table").map((entry) => entry.name)).toEqual(TABLES);
		expect(fresh.schema.filter((entry) => entry.type === "trigger").map((entry) => entry.name)).toEqual(TRIGGERS);
	});

	for (let version = 0; version < SCHEDULE_SCHEMA_VERSION; version++) {
		it(`migrates from version ${version}, keeping the stored outcomes, to exactly a new object's schema; again changes nothing`, async () => {
			const fresh = await runInDurableObject(merchantSchedule(env, "mer_schema_fresh"), (_instance, state) => snapshot(state.storage.sql));
			const result = await runInDurableObject(merchantSchedule(env, `mer_schema_from_${version}`), async (_instance, state) => {
				await storageAt(state.storage, version);
				const before = snapshot(state.storage.sql);
				const migratedTo = migrateScheduleStorage(state.storage);
				const migrated = snapshot(state.storage.sql);
				const againTo = migrateScheduleStorage(state.storage);
				return { before, migratedTo, migrated, againTo, again: snapshot(state.storage.sql) };
			});
			expect(result.before.version).toBe(version === 0 ? null : version);
			expect(result.migratedTo).toBe(SCHEDULE_SCHEMA_VERSION);
			expect(result.migrated.version).toBe(SCHEDULE_SCHEMA_VERSION);
			expect(result.migrated.schema).toEqual(fresh.schema);
			expect(result.migrated.idempotency).toEqual([{ key: "create:public:earlier", request_hash: "hash", outcome: '{"ok":true}', created_at: 1700000000000 }]);
			expect(result.againTo).toBe(SCHEDULE_SCHEMA_VERSION);
			expect(result.again).toEqual(result.migrated);
		});
	}

	it("has an object already in use at version 1 import D1's email ledger and reload its setup on its next email; a new one not", async () => {
		const tasks = await runInDurableObject(merchantSchedule(env, "mer_schema_used"), async (_instance, state) => {
			await storageAt(state.storage, 1);
			state.storage.sql.exec("insert into setup_state (id, merchant_id, merchant_name, merchant_timezone, tentative_blocks, setup_version, loaded_at) values (1, 'mer_schema_used', 'Used', 'UTC', 0, 3, 0)");
			migrateScheduleStorage(state.storage);
			return state.storage.sql.exec<{ task: string }>("select task from upgrade_tasks").toArray();
		});
		expect(tasks).toEqual([{ task: "email-ledger" }]);
		const fresh = await runInDurableObject(merchantSchedule(env, "mer_schema_fresh"), (_instance, state) => state.storage.sql.exec("select task from upgrade_tasks").toArray());
		expect(fresh).toEqual([]);
	});

	it("refuses overlapping confirmed bookings once migrated from version 0 (the triggers came with it)", async () => {
		const outcome = await runInDurableObject(merchantSchedule(env, "mer_schema_triggers"), async (_instance, state) => {
			await storageAt(state.storage, 0);
			migrateScheduleStorage(state.storage);
			const insert = (id: string, start: number): string => {
				try {
					state.storage.sql.exec(
						"insert into bookings (id, service_id, staff_id, starts_at, ends_at, block_start, block_end, timezone, status, created_at, updated_at) values (?, 'svc', 'stf', ?, ?, ?, ?, 'UTC', 'confirmed', 0, 0)",
						id,
						start,
						start + 3_600_000,
						start,
						start + 3_600_000,
					);
					return "inserted";
				} catch (error) {
					return error instanceof Error && error.message.includes("booking_overlap") ? "refused" : String(error);
				}
			};
			return [insert("bkg_a", 1_800_000_000_000), insert("bkg_b", 1_800_000_000_000 + 1_800_000)];
		});
		expect(outcome).toEqual(["inserted", "refused"]);
	});
});
