// The schema of a merchant's Durable Object SQLite: the merchant's schedule (what availability and
// the write path read and write), versioned. Each object applies the versions it has not seen in its
// constructor, under blockConcurrencyWhile, so no request ever runs against an older schema.
//
// Version 0 is what objects held before the schedule moved here: only the `idempotency` table.

/** Every table availability and the write checks read: a row written to any of them is a new schedule. */
const SCHEDULE_TABLES = ["setup_state", "services", "staff", "staff_services", "resources", "working_hours", "date_overrides", "time_off", "booking_series", "bookings", "busy_blocks"];

/**
 * schedule_version.n moves with every row inserted, updated or deleted in SCHEDULE_TABLES, by triggers:
 * the database keeps it, so no write path (a setup refresh, an import, a test writing rows directly)
 * can forget to. The outbox, idempotency outcomes and the email ledger do not move it.
 */
function scheduleVersionStep(): string {
	const triggers = SCHEDULE_TABLES.flatMap((table) =>
		["insert", "update", "delete"].map((op) => `create trigger ${table}_${op}_version after ${op} on ${table} begin update schedule_version set n = n + 1 where id = 1; end;`),
	);
	return ["create table schedule_version (id integer primary key check (id = 1), n integer not null);", "insert into schedule_version (id, n) values (1, 0);", ...triggers].join("\n");
}

/** Each entry upgrades the schema from its index to index + 1. Never edit a shipped entry: append. */
export const SCHEDULE_MIGRATIONS: readonly string[] = [
	// 0 → 1: the schedule itself.
	`
	create table if not exists idempotency (
		key text primary key,
		request_hash text not null,
		outcome text not null,
		created_at integer not null
	);

	-- Setup, as availability and the write path need it. D1 stays the record of setup (the admin edits
	-- it there and other merchants' pages read it); the object keeps this copy of it, replaced whole
	-- on every setup change (setup-snapshot.ts), so reads on the request path never leave the object.
	create table setup_state (
		id integer primary key check (id = 1),
		merchant_id text not null,
		merchant_name text not null,
		merchant_timezone text not null,
		tentative_blocks integer not null,
		setup_version integer not null,
		loaded_at integer not null
	);
	create table services (
		id text primary key,
		name text not null,
		duration_minutes integer not null,
		buffer_before_minutes integer not null,
		buffer_after_minutes integer not null,
		min_notice_minutes integer not null,
		horizon_days integer not null,
		slot_interval_minutes integer not null,
		required_resource_type text,
		active integer not null
	);
	create table staff (
		id text primary key,
		name text not null,
		timezone text not null,
		position integer not null,
		active integer not null
	);
	create table staff_services (
		staff_id text not null,
		service_id text not null,
		primary key (service_id, staff_id)
	) without rowid;
	create table resources (
		id text primary key,
		name text not null,
		type text not null,
		active integer not null
	);
	create index resources_type_idx on resources (type, name, id);
	create table working_hours (
		staff_id text not null,
		weekday integer not null,
		start_time text not null,
		end_time text not null
	);
	create index working_hours_staff_idx on working_hours (staff_id);
	create table date_overrides (
		staff_id text not null,
		date text not null,
		intervals text not null,
		primary key (staff_id, date)
	) without rowid;
	create table time_off (
		id text primary key,
		staff_id text not null,
		starts_at integer not null,
		ends_at integer not null
	);
	create index time_off_staff_idx on time_off (staff_id, starts_at);

	-- Bookings: the record. D1's bookings table is a read model written from the outbox below.
	create table booking_series (
		id text primary key,
		frequency text not null check (frequency in ('weekly', 'biweekly', 'monthly')),
		count integer not null,
		created_at integer not null
	);
	create table bookings (
		id text primary key,
		service_id text not null,
		staff_id text not null,
		resource_id text,
		-- The customer as given with this booking; the relay upserts the merchant's customer record in
		-- D1 from these (customer_entitled: whether this booking may rewrite an existing record).
		customer_email text,
		customer_name text,
		customer_phone text,
		user_id text,
		customer_entitled integer not null default 0,
		starts_at integer not null,
		ends_at integer not null,
		block_start integer not null,
		block_end integer not null,
		timezone text not null,
		status text not null check (status in ('confirmed', 'cancelled')),
		customer_notes text,
		merchant_notes text,
		walk_in integer not null default 0,
		series_id text references booking_series (id),
		series_index integer,
		original_starts_at integer,
		idempotency_key text,
		request_hash text,
		version integer not null default 1,
		created_at integer not null,
		updated_at integer not null,
		-- A block is at most 7 days, buffers included: this bounds the overlap triggers' index scans.
		check (block_end > block_start and block_end - block_start <= 604800000),
		check (starts_at >= block_start and ends_at > starts_at and block_end >= ends_at)
	);
	create index bookings_staff_block_idx on bookings (staff_id, block_start);
	create index bookings_resource_block_idx on bookings (resource_id, block_start) where resource_id is not null;
	create index bookings_start_idx on bookings (starts_at);
	create index bookings_series_idx on bookings (series_id) where series_id is not null;
	create unique index bookings_idempotency_idx on bookings (idempotency_key) where idempotency_key is not null and coalesce(series_index, 0) = 0;

	-- No double booking, enforced by the storage itself: a confirmed booking may not overlap another
	-- confirmed booking of the same staff member or resource, on the buffered blocks. The write path
	-- checks first (to answer 409 with alternatives); these make a bug there an aborted transaction
	-- instead of a double booking. A future class's seat count gets its capacity trigger here too.
	create trigger bookings_no_overlap_insert
	before insert on bookings
	when new.status = 'confirmed'
	begin
		select raise(abort, 'booking_overlap')
		where exists (
			select 1 from bookings b
			where b.staff_id = new.staff_id and b.status = 'confirmed'
				and b.block_start < new.block_end and b.block_start > new.block_start - 604800000 and b.block_end > new.block_start
		) or (new.resource_id is not null and exists (
			select 1 from bookings b
			where b.resource_id = new.resource_id and b.status = 'confirmed'
				and b.block_start < new.block_end and b.block_start > new.block_start - 604800000 and b.block_end > new.block_start
		));
	end;
	create trigger bookings_no_overlap_update
	before update of staff_id, resource_id, block_start, block_end, status on bookings
	when new.status = 'confirmed'
	begin
		select raise(abort, 'booking_overlap')
		where exists (
			select 1 from bookings b
			where b.staff_id = new.staff_id and b.id <> new.id and b.status = 'confirmed'
				and b.block_start < new.block_end and b.block_start > new.block_start - 604800000 and b.block_end > new.block_start
		) or (new.resource_id is not null and exists (
			select 1 from bookings b
			where b.resource_id = new.resource_id and b.id <> new.id and b.status = 'confirmed'
				and b.block_start < new.block_end and b.block_start > new.block_start - 604800000 and b.block_end > new.block_start
		));
	end;

	-- Transactional outbox: written in the same transaction as the change it describes.
	create table outbox (
		id integer primary key autoincrement,
		booking_id text not null,
		version integer not null,
		change text not null check (change in ('created', 'rescheduled', 'updated', 'cancelled')),
		created_at integer not null,
		sent_at integer
	);
	create index outbox_unsent_idx on outbox (sent_at, id);

	-- External busy time, per checked calendar. step orders a calendar's sync results (D1 hands out
	-- the steps when a sync claims its cursor): an event keeps whichever step wrote it last, so a
	-- slow older result can never overwrite a newer one. Removed events leave their step behind
	-- (feed_events) for the same reason.
	create table feed_calendars (
		calendar_id text primary key,
		-- Results of an older generation (the calendar was disconnected or unchecked since) are refused.
		generation integer not null
	);
	create table feed_events (
		calendar_id text not null,
		event_id text not null,
		step integer not null,
		primary key (calendar_id, event_id)
	) without rowid;
	create table busy_blocks (
		calendar_id text not null,
		event_id text not null,
		instance_id text not null,
		-- Null for a business-wide calendar: its blocks take everyone's time.
		staff_id text,
		starts_at integer not null,
		ends_at integer not null,
		all_day integer not null,
		tentative integer not null
	);
	create index busy_blocks_event_idx on busy_blocks (calendar_id, event_id);
	create index busy_blocks_staff_time_idx on busy_blocks (staff_id, starts_at);
	`,
	// 1 → 2: customer emails are decided, claimed and written from here (src/booking/notice.ts), so the
	// queue consumer sends them without a D1 statement.
	`
	-- The once-only ledger of customer emails (email-ledger.ts), beside the bookings it is about. It was
	-- D1's customer_emails; an object's import copies that table's rows for its bookings.
	create table email_claims (
		booking_id text not null,
		version integer not null,
		claimed_at integer not null,
		sent_at integer,
		primary key (booking_id, version)
	) without rowid;
	create index email_claims_claimed_idx on email_claims (claimed_at);

	-- Emails print the service's location.
	alter table services add column location text;

	-- Work an object already in use must do once, on its next use of what this version added: it imported
	-- D1's schedule without the email ledger and copied its setup without locations.
	create table upgrade_tasks (task text primary key) without rowid;
	insert into upgrade_tasks (task) select 'email-ledger' from setup_state;
	`,
	// 2 → 3: the schedule's version, for answers reused while it is unchanged (answer-cache.ts).
	scheduleVersionStep(),
	// 3 → 4: where a service takes place (src/place.ts), as D1's migration 0014 has it: a kind and its
	// fields, a staff member's own place, and the business address. The copy held is converted as D1's was,
	// so emails print the same place before the next setup refresh.
	`
	alter table services add column place_kind text not null default 'in_person_business';
	alter table services add column place_address text;
	alter table services add column place_phone text;
	alter table services add column place_url text;
	update services set place_kind = 'in_person_address', place_address = trim(location) where trim(coalesce(location, '')) <> '';
	alter table services drop column location;
	alter table staff add column place_kind text;
	alter table staff add column place_address text;
	alter table staff add column place_phone text;
	alter table staff add column place_url text;
	alter table setup_state add column merchant_address text;
	`,
];

export const SCHEDULE_SCHEMA_VERSION = SCHEDULE_MIGRATIONS.length;

/**
 * Brings the object's storage to the current schema. Runs synchronously (so inside the
 * constructor's blockConcurrencyWhile nothing else can see a half-migrated schema); each step and
 * its version bump commit together.
 */
export function migrateScheduleStorage(storage: DurableObjectStorage): number {
	const sql = storage.sql;
	sql.exec("create table if not exists schema_version (id integer primary key check (id = 1), version integer not null)");
	const current = sql.exec<{ version: number }>("select version from schema_version where id = 1").toArray()[0]?.version ?? 0;
	for (let version = current; version < SCHEDULE_MIGRATIONS.length; version++) {
		const step = SCHEDULE_MIGRATIONS[version] as string;
		storage.transactionSync(() => {
			sql.exec(step);
			sql.exec("insert into schema_version (id, version) values (1, ?) on conflict (id) do update set version = excluded.version", version + 1);
		});
	}
	return SCHEDULE_MIGRATIONS.length;
}
