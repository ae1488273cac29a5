// The D1 data model. Instants are UTC epoch milliseconds (integers compare and index well);
// the IANA zone a person sees is stored beside them. drizzle-kit turns this file into migrations/.
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { PROVIDER_NAMES } from "../calendars/provider";
import { PLACE_KINDS } from "../place";
import type { ProviderName } from "../calendars/provider";
import type { Job } from "../jobs";

/** What a connection on the Integrations page connects: a calendar provider, or Zoom (video meetings only). */
export const CONNECTION_PROVIDERS = [...PROVIDER_NAMES, "zoom"] as const;
export type ConnectionProvider = (typeof CONNECTION_PROVIDERS)[number];

const createdAt = () =>
	integer("created_at")
		.notNull()
		.default(sql`(cast(unixepoch('subsec') * 1000 as integer))`);

/** Per-merchant settings stored as JSON; parsed and defaulted by `merchantSettingsSchema`. */
export interface MerchantSettings {
	/** Whether TENTATIVE external events block time. */
	tentativeBlocks: boolean;
	/** Which customer sign-in methods the booking page offers. */
	signIn: { google: boolean; facebook: boolean; password: boolean };
}

export const merchants = sqliteTable("merchants", {
	id: text("id").primaryKey(),
	slug: text("slug").notNull().unique(),
	name: text("name").notNull(),
	timezone: text("timezone").notNull(),
	brandColor: text("brand_color").notNull().default("#4f46e5"),
	/** Where "at the business address" services take place (src/place.ts); null until the owner sets it. */
	address: text("address"),
	settings: text("settings", { mode: "json" }).$type<MerchantSettings>().notNull(),
	/**
	 * Moves on every change to what availability reads (this row, staff, services, resources, hours,
	 * overrides, time off: triggers in migrations/0012), so the merchant's Durable Object, which keeps
	 * a copy of that setup, can tell whether its copy is current.
	 */
	setupVersion: integer("setup_version").notNull().default(0),
	/** The setup_version the merchant's Durable Object last loaded (the cron refreshes objects behind). */
	scheduleSetupVersion: integer("schedule_setup_version").notNull().default(-1),
	/**
	 * When the schedule migration command (scripts/migrate-schedules.mjs) found the merchant's Durable
	 * Object holding everything D1 held, counts and checksums equal; null until then, so a re-run asks
	 * only for the merchants still to do.
	 */
	scheduleMigratedAt: integer("schedule_migrated_at"),
	createdAt: createdAt(),
});

export const staff = sqliteTable(
	"staff",
	{
		id: text("id").primaryKey(),
		merchantId: text("merchant_id")
			.notNull()
			.references(() => merchants.id, { onDelete: "cascade" }),
		name: text("name").notNull(),
		email: text("email").notNull(),
		/**
		 * Other addresses that are this person's own in calendars (an alias, a private address), added by
		 * the admin; lower-cased. Inbound sync frees the time of events they declined under any of them.
		 */
		calendarAddresses: text("calendar_addresses", { mode: "json" }).$type<string[]>().notNull().default([]),
		timezone: text("timezone").notNull(),
		color: text("color").notNull(),
		active: integer("active", { mode: "boolean" }).notNull().default(true),
		/** Stable order for "anyone" assignment and display. */
		position: integer("position").notNull().default(0),
		/** Where this person works when not where their services say (from home by phone, another branch); null: the services' place. */
		placeKind: text("place_kind", { enum: PLACE_KINDS }),
		placeAddress: text("place_address"),
		placePhone: text("place_phone"),
		placeUrl: text("place_url"),
		createdAt: createdAt(),
	},
	(t) => [index("staff_merchant_idx").on(t.merchantId, t.position)],
);

export const resources = sqliteTable(
	"resources",
	{
		id: text("id").primaryKey(),
		merchantId: text("merchant_id")
			.notNull()
			.references(() => merchants.id, { onDelete: "cascade" }),
		name: text("name").notNull(),
		/** Free-form type a service can require, such as "room". */
		type: text("type").notNull(),
		active: integer("active", { mode: "boolean" }).notNull().default(true),
		createdAt: createdAt(),
	},
	(t) => [index("resources_merchant_type_idx").on(t.merchantId, t.type)],
);

export const services = sqliteTable(
	"services",
	{
		id: text("id").primaryKey(),
		merchantId: text("merchant_id")
			.notNull()
			.references(() => merchants.id, { onDelete: "cascade" }),
		name: text("name").notNull(),
		durationMinutes: integer("duration_minutes").notNull(),
		color: text("color").notNull(),
		bufferBeforeMinutes: integer("buffer_before_minutes").notNull().default(0),
		bufferAfterMinutes: integer("buffer_after_minutes").notNull().default(0),
		minNoticeMinutes: integer("min_notice_minutes").notNull().default(0),
		horizonDays: integer("horizon_days").notNull().default(60),
		slotIntervalMinutes: integer("slot_interval_minutes").notNull().default(15),
		/** Where it takes place (src/place.ts): the kind, and the field that kind needs. */
		placeKind: text("place_kind", { enum: PLACE_KINDS }).notNull().default("in_person_business"),
		placeAddress: text("place_address"),
		placePhone: text("place_phone"),
		placeUrl: text("place_url"),
		priceCents: integer("price_cents"),
		currency: text("currency"),
		requiredResourceType: text("required_resource_type"),
		active: integer("active", { mode: "boolean" }).notNull().default(true),
		createdAt: createdAt(),
	},
	(t) => [index("services_merchant_idx").on(t.merchantId)],
);

/** Which staff members offer which service ("anyone" means all of them). */
export const staffServices = sqliteTable(
	"staff_services",
	{
		staffId: text("staff_id")
			.notNull()
			.references(() => staff.id, { onDelete: "cascade" }),
		serviceId: text("service_id")
			.notNull()
			.references(() => services.id, { onDelete: "cascade" }),
	},
	(t) => [primaryKey({ columns: [t.staffId, t.serviceId] }), index("staff_services_service_idx").on(t.serviceId)],
);

/** Weekly wall-clock hours in the staff member's zone; several rows a day make breaks. */
export const workingHours = sqliteTable(
	"working_hours",
	{
		id: text("id").primaryKey(),
		staffId: text("staff_id")
			.notNull()
			.references(() => staff.id, { onDelete: "cascade" }),
		/** ISO weekday: 1 = Monday … 7 = Sunday. */
		weekday: integer("weekday").notNull(),
		/** "HH:MM", local wall-clock time. */
		startTime: text("start_time").notNull(),
		/** "HH:MM", local wall-clock time, after startTime ("24:00" allowed). */
		endTime: text("end_time").notNull(),
	},
	(t) => [index("working_hours_staff_idx").on(t.staffId, t.weekday)],
);

/** A date whose hours differ from the weekly pattern; no intervals means closed. */
export const dateOverrides = sqliteTable(
	"date_overrides",
	{
		id: text("id").primaryKey(),
		staffId: text("staff_id")
			.notNull()
			.references(() => staff.id, { onDelete: "cascade" }),
		/** "YYYY-MM-DD" in the staff member's zone. */
		date: text("date").notNull(),
		intervals: text("intervals", { mode: "json" }).$type<Array<{ start: string; end: string }>>().notNull(),
	},
	(t) => [uniqueIndex("date_overrides_staff_date_idx").on(t.staffId, t.date)],
);

export const timeOff = sqliteTable(
	"time_off",
	{
		id: text("id").primaryKey(),
		staffId: text("staff_id")
			.notNull()
			.references(() => staff.id, { onDelete: "cascade" }),
		startsAt: integer("starts_at").notNull(),
		endsAt: integer("ends_at").notNull(),
		reason: text("reason"),
	},
	(t) => [index("time_off_staff_time_idx").on(t.staffId, t.startsAt)],
);

// ---------------------------------------------------------------------------------------------
// People and sign-in

export const users = sqliteTable("users", {
	id: text("id").primaryKey(),
	/** Lower-cased. */
	email: text("email").notNull().unique(),
	emailVerifiedAt: integer("email_verified_at"),
	/** Versioned hash string (see auth/password.ts); null for provider-only accounts. */
	passwordHash: text("password_hash"),
	firstName: text("first_name"),
	lastName: text("last_name"),
	photoUrl: text("photo_url"),
	createdAt: createdAt(),
});

/** A way into an account other than the password: one row per provider subject. */
export const identities = sqliteTable(
	"identities",
	{
		id: text("id").primaryKey(),
		userId: text("user_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		provider: text("provider", { enum: ["google", "facebook"] }).notNull(),
		subject: text("subject").notNull(),
		email: text("email"),
		emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
		createdAt: createdAt(),
	},
	(t) => [
		uniqueIndex("identities_provider_subject_idx").on(t.provider, t.subject),
		index("identities_user_idx").on(t.userId),
	],
);

/** Merchant-side roles: an owner manages everything; staff manage their own connections. */
export const memberships = sqliteTable(
	"memberships",
	{
		userId: text("user_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		merchantId: text("merchant_id")
			.notNull()
			.references(() => merchants.id, { onDelete: "cascade" }),
		role: text("role", { enum: ["owner", "staff"] }).notNull(),
		staffId: text("staff_id").references(() => staff.id, { onDelete: "set null" }),
		createdAt: createdAt(),
	},
	(t) => [primaryKey({ columns: [t.userId, t.merchantId] }), index("memberships_merchant_idx").on(t.merchantId)],
);

export const sessions = sqliteTable(
	"sessions",
	{
		/** SHA-256 of the session token, hex; the token itself is never stored. */
		id: text("id").primaryKey(),
		userId: text("user_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		createdAt: createdAt(),
		lastSeenAt: integer("last_seen_at").notNull(),
		/** Absolute expiry; idle expiry is derived from lastSeenAt. */
		expiresAt: integer("expires_at").notNull(),
		/**
		 * The business this session's admin acts on, chosen with the switcher; null: the oldest
		 * membership. Only a preference: membership is checked on every request.
		 */
		merchantId: text("merchant_id").references(() => merchants.id, { onDelete: "set null" }),
	},
	(t) => [index("sessions_user_idx").on(t.userId)],
);

/**
 * A one-time link sent by email: address verification, password reset, staff invitation or
 * confirmation of linking a provider identity. Only the SHA-256 of the token is stored.
 */
export const emailTokens = sqliteTable(
	"email_tokens",
	{
		/** SHA-256 of the token, hex. */
		id: text("id").primaryKey(),
		purpose: text("purpose", { enum: ["verify-email", "reset-password", "invite", "link-identity"] }).notNull(),
		/** Null for an invitation to someone without an account yet. */
		userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
		/** Lower-cased address the link was sent to. */
		email: text("email").notNull(),
		/** Invitations: the merchant and staff member the membership will be for. */
		merchantId: text("merchant_id").references(() => merchants.id, { onDelete: "cascade" }),
		staffId: text("staff_id").references(() => staff.id, { onDelete: "cascade" }),
		/** Purpose-specific JSON, e.g. the provider identity awaiting link confirmation. */
		payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>(),
		expiresAt: integer("expires_at").notNull(),
		/** Set when the link is used; a used token never works again. */
		usedAt: integer("used_at"),
		createdAt: createdAt(),
	},
	(t) => [index("email_tokens_user_purpose_idx").on(t.userId, t.purpose), index("email_tokens_expires_idx").on(t.expiresAt)],
);

/**
 * Password attempts, one row per limit each counts under (src/auth/rate-limit.ts): failed ones,
 * and ones under way until the password proves right. `subject` is the SHA-256 of the account
 * email, the client IP, or both, so the table holds no addresses in clear.
 */
export const authAttempts = sqliteTable(
	"auth_attempts",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		scope: text("scope", { enum: ["account", "account-client", "ip"] }).notNull(),
		subject: text("subject").notNull(),
		at: integer("at").notNull(),
	},
	(t) => [index("auth_attempts_subject_idx").on(t.scope, t.subject, t.at)],
);

/** A person who books with a merchant; linked to a user account when they signed in. */
export const customers = sqliteTable(
	"customers",
	{
		id: text("id").primaryKey(),
		merchantId: text("merchant_id")
			.notNull()
			.references(() => merchants.id, { onDelete: "cascade" }),
		userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
		name: text("name").notNull(),
		/** Lower-cased. */
		email: text("email").notNull(),
		phone: text("phone"),
		createdAt: createdAt(),
	},
	(t) => [uniqueIndex("customers_merchant_email_idx").on(t.merchantId, t.email), index("customers_user_idx").on(t.userId)],
);

// ---------------------------------------------------------------------------------------------
// Bookings

export const bookingSeries = sqliteTable("booking_series", {
	id: text("id").primaryKey(),
	merchantId: text("merchant_id")
		.notNull()
		.references(() => merchants.id, { onDelete: "cascade" }),
	frequency: text("frequency", { enum: ["weekly", "biweekly", "monthly"] }).notNull(),
	count: integer("count").notNull(),
	createdAt: createdAt(),
});

export const bookings = sqliteTable(
	"bookings",
	{
		id: text("id").primaryKey(),
		merchantId: text("merchant_id")
			.notNull()
			.references(() => merchants.id, { onDelete: "cascade" }),
		serviceId: text("service_id")
			.notNull()
			.references(() => services.id),
		staffId: text("staff_id")
			.notNull()
			.references(() => staff.id),
		resourceId: text("resource_id").references(() => resources.id),
		customerId: text("customer_id").references(() => customers.id),
		/**
		 * The name given with this booking. A guest may book with an address whose customer record
		 * already exists; the record keeps its owner's details, and the booking keeps what was typed.
		 */
		customerName: text("customer_name"),
		/**
		 * The phone given with this booking: what its staff member sees, never the record's, which
		 * may hold what the customer told the owner or a colleague.
		 */
		customerPhone: text("customer_phone"),
		startsAt: integer("starts_at").notNull(),
		endsAt: integer("ends_at").notNull(),
		/** startsAt minus the service's buffer before: the staff member is taken from here. */
		blockStart: integer("block_start").notNull(),
		/** endsAt plus the buffer after. */
		blockEnd: integer("block_end").notNull(),
		/** The IANA zone the booking was made in (the customer's, or the merchant's for walk-ins). */
		timezone: text("timezone").notNull(),
		status: text("status", { enum: ["confirmed", "cancelled"] }).notNull(),
		customerNotes: text("customer_notes"),
		merchantNotes: text("merchant_notes"),
		walkIn: integer("walk_in", { mode: "boolean" }).notNull().default(false),
		seriesId: text("series_id").references(() => bookingSeries.id),
		/** 0-based position in its series. */
		seriesIndex: integer("series_index"),
		/**
		 * Where the occurrence was first booked. Calendars identify an occurrence of a recurring
		 * event by its original start (Google instance ids, RECURRENCE-ID), which a reschedule keeps.
		 */
		originalStartsAt: integer("original_starts_at"),
		idempotencyKey: text("idempotency_key"),
		/** SHA-256 of the request body that created it, to tell a retry from a reuse of the key. */
		requestHash: text("request_hash"),
		/** Increases on every committed change; outbound sync never applies an older one. */
		version: integer("version").notNull().default(1),
		createdAt: createdAt(),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [
		// Overlap checks: "confirmed bookings of this staff member (or resource) whose block
		// starts before X", then filtered on block_end.
		index("bookings_staff_block_idx").on(t.staffId, t.blockStart),
		index("bookings_resource_block_idx").on(t.resourceId, t.blockStart),
		index("bookings_merchant_start_idx").on(t.merchantId, t.startsAt),
		index("bookings_customer_idx").on(t.customerId),
		index("bookings_series_idx").on(t.seriesId),
		uniqueIndex("bookings_idempotency_idx")
			.on(t.merchantId, t.idempotencyKey)
			.where(sql`${t.idempotencyKey} is not null and coalesce(${t.seriesIndex}, 0) = 0`),
		// The overlap triggers (migrations/0001) look back at most this far, so it bounds every
		// booking: 7 days including buffers.
		check("bookings_block_span", sql`${t.blockEnd} > ${t.blockStart} and ${t.blockEnd} - ${t.blockStart} <= 604800000`),
		check("bookings_times", sql`${t.startsAt} >= ${t.blockStart} and ${t.endsAt} > ${t.startsAt} and ${t.blockEnd} >= ${t.endsAt}`),
	],
);

/**
 * The outbox of the time before each merchant's Durable Object held its schedule (the outbox now
 * lives in the object). Nothing writes it any more; the schedule migration command relays any row
 * still unsent (scripts/migrate-schedules.mjs), after which a later migration drops the table.
 */
export const outbox = sqliteTable(
	"outbox",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		merchantId: text("merchant_id").notNull(),
		bookingId: text("booking_id").notNull(),
		version: integer("version").notNull(),
		change: text("change", { enum: ["created", "rescheduled", "updated", "cancelled"] }).notNull(),
		createdAt: createdAt(),
		sentAt: integer("sent_at"),
	},
	(t) => [index("outbox_unsent_idx").on(t.sentAt, t.id)],
);

/**
 * Customer emails per booking version, as recorded before the ledger moved into each merchant's object
 * (src/booking/email-ledger.ts): nothing writes here any more. An object's import copies its bookings'
 * rows, so a version sent then is not sent again; the cron prunes the rest with age.
 */
export const customerEmails = sqliteTable(
	"customer_emails",
	{
		bookingId: text("booking_id").notNull(),
		version: integer("version").notNull(),
		claimedAt: integer("claimed_at").notNull(),
		sentAt: integer("sent_at"),
	},
	(t) => [primaryKey({ columns: [t.bookingId, t.version] }), index("customer_emails_claimed_idx").on(t.claimedAt)],
);

/**
 * Queue jobs that ran out of retries (src/sync/dead-letters.ts says which: a dead calendar.push is kept
 * by its connection instead). The cron queues each again with backoff until one run succeeds, which
 * deletes it; meanwhile the merchant's owners see it on the dashboard. One row per job however often it dies.
 */
export const deadJobs = sqliteTable(
	"dead_jobs",
	{
		/** What the job is about (src/sync/dead-letters.ts `jobKey`), so duplicates of one job share the row. */
		key: text("key").primaryKey(),
		/** Whose owners are told; null for a calendar sync (its connection's log says it). */
		merchantId: text("merchant_id").references(() => merchants.id, { onDelete: "cascade" }),
		job: text("job", { mode: "json" }).$type<Job>().notNull(),
		diedAt: integer("died_at").notNull(),
		/** Times the cron has queued it again. */
		attempts: integer("attempts").notNull().default(0),
		nextAttemptAt: integer("next_attempt_at").notNull(),
	},
	(t) => [index("dead_jobs_due_idx").on(t.nextAttemptAt), index("dead_jobs_merchant_idx").on(t.merchantId)],
);

// ---------------------------------------------------------------------------------------------
// Calendar connections and sync

/** The providers the calendar adapters implement (defined beside them; the tables conform). */
export type CalendarProvider = ProviderName;

export const calendarConnections = sqliteTable(
	"calendar_connections",
	{
		id: text("id").primaryKey(),
		merchantId: text("merchant_id")
			.notNull()
			.references(() => merchants.id, { onDelete: "cascade" }),
		/** Null for the business-wide connection. */
		staffId: text("staff_id").references(() => staff.id, { onDelete: "cascade" }),
		/** A calendar provider, or "zoom" (meetings only: no calendars, never a write target). */
		provider: text("provider", { enum: CONNECTION_PROVIDERS }).notNull(),
		/** The account as the person knows it (email, user name or feed host); never a secret. */
		accountLabel: text("account_label").notNull(),
		status: text("status", { enum: ["active", "error", "disconnected"] }).notNull(),
		statusMessage: text("status_message"),
		/** Why an errored connection stopped, which decides what clears it (re-authorising, picking a calendar, a retry). */
		errorKind: text("error_kind", { enum: ["reauthorize", "calendar-unavailable", "push-failed"] }),
		/** AES-256-GCM ciphertext of the credentials JSON (tokens or password); see calendars/credentials.ts. */
		credentials: text("credentials"),
		/** Which key of ENCRYPTION_KEYS sealed `credentials`, for rotation. */
		credentialsKeyId: text("credentials_key_id"),
		accessTokenExpiresAt: integer("access_token_expires_at"),
		/** CalDAV server URL. Never an ICS feed URL: those often carry a secret token and are sealed with the credentials. */
		serverUrl: text("server_url"),
		lastSyncedAt: integer("last_synced_at"),
		/** Automatic retries of an errored connection (not one needing re-authorisation) so far, and when the next is due. */
		retryAttempts: integer("retry_attempts").notNull().default(0),
		/**
		 * The provider's own id of the connected account (Zoom's user id), to find the connection a provider
		 * event names (Zoom's app_deauthorized); null for providers whose events name a calendar instead.
		 */
		externalAccountId: text("external_account_id"),
		/**
		 * Until when one worker holds the right to refresh the tokens (UTC epoch ms). Zoom ends a refresh token
		 * the moment it is used, so two refreshes of one connection must never overlap, across isolates too.
		 */
		refreshLeaseUntil: integer("refresh_lease_until"),
		nextRetryAt: integer("next_retry_at"),
		createdAt: createdAt(),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [
		index("connections_merchant_idx").on(t.merchantId),
		index("connections_staff_idx").on(t.staffId),
		// One calendar for the whole business: a second live business connection cannot exist, even in a race.
		// The business's Zoom is not a calendar and has its own rule below.
		uniqueIndex("connections_one_business_idx")
			.on(t.merchantId)
			.where(sql`${t.staffId} is null and ${t.status} <> 'disconnected' and ${t.provider} <> 'zoom'`),
		// One live Zoom account per staff member, and one for the business (which hosts everyone without their own).
		uniqueIndex("connections_one_staff_zoom_idx")
			.on(t.merchantId, t.staffId)
			.where(sql`${t.provider} = 'zoom' and ${t.staffId} is not null and ${t.status} <> 'disconnected'`),
		uniqueIndex("connections_one_business_zoom_idx")
			.on(t.merchantId)
			.where(sql`${t.provider} = 'zoom' and ${t.staffId} is null and ${t.status} <> 'disconnected'`),
	],
);

/** A calendar inside a connection, with the role the person chose for it and its sync cursor. */
export const connectionCalendars = sqliteTable(
	"connection_calendars",
	{
		id: text("id").primaryKey(),
		connectionId: text("connection_id")
			.notNull()
			.references(() => calendarConnections.id, { onDelete: "cascade" }),
		externalId: text("external_id").notNull(),
		name: text("name").notNull(),
		writable: integer("writable", { mode: "boolean" }).notNull().default(false),
		/** Slotline may read its events (Google: only calendars the person owns, under calendar.events.owned). */
		readable: integer("readable", { mode: "boolean" }).notNull().default(true),
		/** Set while the provider says the calendar is gone or unshared (404/403, or missing from its list). */
		unavailableSince: integer("unavailable_since"),
		/** Slotline writes bookings here (at most one per connection owner). */
		isWriteTarget: integer("is_write_target", { mode: "boolean" }).notNull().default(false),
		/**
		 * Which video meetings events in this calendar can carry, as the provider reported when the calendar
		 * list was read (Google's allowedConferenceSolutionTypes, Graph's allowedOnlineMeetingProviders); null
		 * when not read yet. A service on Meet or Teams is refused when its staff member's calendar cannot host it.
		 */
		onlineMeetings: text("online_meetings", { mode: "json" }).$type<MeetingProvider[]>(),
		/** Its events block time. */
		checkConflicts: integer("check_conflicts", { mode: "boolean" }).notNull().default(false),
		/** Google syncToken, Graph deltaLink, CalDAV sync-token, or ICS ETag. */
		syncCursor: text("sync_cursor"),
		/** CalDAV ctag or ICS Last-Modified: cheap "did anything change" check. */
		changeTag: text("change_tag"),
		/** Google channel id or Graph subscription id. */
		pushChannelId: text("push_channel_id"),
		pushResourceId: text("push_resource_id"),
		/** SHA-256 of the channel token / clientState we gave the provider. */
		pushSecretHash: text("push_secret_hash"),
		pushExpiresAt: integer("push_expires_at"),
		lastSyncedAt: integer("last_synced_at"),
		/**
		 * Bumped whenever the calendar's inbound state is thrown away (disconnect, unchecked, unavailable), so a
		 * sync or channel that started before cannot write its result afterwards.
		 */
		syncGeneration: integer("sync_generation").notNull().default(0),
		/**
		 * Counts the sync results this calendar has claimed (a claim also moves the cursor). The merchant's
		 * Durable Object orders results by it, so a slow older result never overwrites a newer one.
		 */
		syncStep: integer("sync_step").notNull().default(0),
	},
	(t) => [
		uniqueIndex("connection_calendars_external_idx").on(t.connectionId, t.externalId),
		index("connection_calendars_channel_idx").on(t.pushChannelId),
	],
);

/**
 * Time taken in an external calendar. Only what availability needs is kept: never a title,
 * description, attendee or location.
 */
export const busyBlocks = sqliteTable(
	"busy_blocks",
	{
		id: text("id").primaryKey(),
		merchantId: text("merchant_id").notNull(),
		staffId: text("staff_id"),
		calendarId: text("calendar_id")
			.notNull()
			.references(() => connectionCalendars.id, { onDelete: "cascade" }),
		/** Provider event id (instance id for expanded series). */
		externalEventId: text("external_event_id").notNull(),
		/** The occurrence within that event (a CalDAV resource or ICS UID has many); a change replaces all of an event's blocks. */
		externalInstanceId: text("external_instance_id"),
		startsAt: integer("starts_at").notNull(),
		endsAt: integer("ends_at").notNull(),
		allDay: integer("all_day", { mode: "boolean" }).notNull().default(false),
		tentative: integer("tentative", { mode: "boolean" }).notNull().default(false),
	},
	(t) => [
		index("busy_blocks_staff_time_idx").on(t.staffId, t.startsAt),
		index("busy_blocks_merchant_time_idx").on(t.merchantId, t.startsAt),
		index("busy_blocks_calendar_event_idx").on(t.calendarId, t.externalEventId),
	],
);

/** Which external event a booking became, per target calendar: how "exactly once" is kept. */
export const eventLinks = sqliteTable(
	"event_links",
	{
		id: text("id").primaryKey(),
		bookingId: text("booking_id")
			.notNull()
			.references(() => bookings.id, { onDelete: "cascade" }),
		calendarId: text("calendar_id")
			.notNull()
			.references(() => connectionCalendars.id, { onDelete: "cascade" }),
		externalEventId: text("external_event_id").notNull(),
		etag: text("etag"),
		/** The booking version this event reflects; older messages are skipped. */
		pushedVersion: integer("pushed_version").notNull(),
		deleted: integer("deleted", { mode: "boolean" }).notNull().default(false),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [uniqueIndex("event_links_booking_calendar_idx").on(t.bookingId, t.calendarId)],
);

export const MEETING_PROVIDERS = ["google_meet", "microsoft_teams", "zoom"] as const;
export type MeetingProvider = (typeof MEETING_PROVIDERS)[number];

/**
 * The video meeting of a booking, or of a whole series (one link for every occurrence), and where its link
 * stands (src/meetings/). Meet and Teams meetings are made with the staff member's calendar event; Zoom
 * meetings by their own job. Only the people in the booking ever see `joinUrl`.
 */
export const bookingMeetings = sqliteTable(
	"booking_meetings",
	{
		/** The booking id, or the booking_series id when one meeting serves the series. */
		id: text("id").primaryKey(),
		merchantId: text("merchant_id")
			.notNull()
			.references(() => merchants.id, { onDelete: "cascade" }),
		/** The booking, or the series' first occurrence. */
		bookingId: text("booking_id")
			.notNull()
			.references(() => bookings.id, { onDelete: "cascade" }),
		seriesId: text("series_id"),
		provider: text("provider", { enum: MEETING_PROVIDERS }).notNull(),
		/** The connection that hosts it (the staff member's calendar or Zoom account, or the business's Zoom). */
		connectionId: text("connection_id").references(() => calendarConnections.id, { onDelete: "set null" }),
		/**
		 * creating: a Zoom create was sent and its answer is not known yet (look the meeting up before
		 * creating another); pending: not made yet or waiting for the provider (Google's `pending`, a retry,
		 * a connection that needs the person); ready: `joinUrl` is known; failed: the provider refused in a
		 * way a repeat cannot fix (the admin's Retry starts again); deleted: the booking was cancelled.
		 */
		state: text("state", { enum: ["creating", "pending", "ready", "failed", "deleted"] }).notNull(),
		/** Zoom's meeting id, Google's conference id, or the Graph event id that carries the Teams meeting. */
		externalId: text("external_id"),
		joinUrl: text("join_url"),
		/** Why the link is not there yet: provider, status and code only (src/sync/error-summary.ts), never a credential. */
		error: text("error"),
		/** When a create was last sent (Zoom): after a lost answer the meeting is looked up before another create. */
		intentAt: integer("intent_at"),
		/** The booking version the meeting reflects (its time); older jobs are skipped. */
		syncedVersion: integer("synced_version").notNull().default(0),
		/** When the link was first stored: the link-latency benchmark measures up to here. */
		readyAt: integer("ready_at"),
		/**
		 * When an email carrying the link was claimed for the customer (a lease: a sender that died mid-send
		 * lets another take it once it lapses), and when that email was sent, so the follow-up goes out once.
		 */
		linkMailedAt: integer("link_mailed_at"),
		linkMailSentAt: integer("link_mail_sent_at"),
		createdAt: createdAt(),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [index("booking_meetings_booking_idx").on(t.bookingId), index("booking_meetings_connection_idx").on(t.connectionId), index("booking_meetings_merchant_state_idx").on(t.merchantId, t.state)],
);

/**
 * Zoom webhook deliveries already acted on, by signature, kept while their timestamp is inside the window
 * a delivery is accepted in: a replay of one inside the window is acknowledged and not acted on again
 * (src/meetings/zoom-webhook.ts). Past the window the timestamp check refuses it, so the row can go.
 */
export const zoomWebhookReceipts = sqliteTable(
	"zoom_webhook_receipts",
	{
		/** The x-zm-signature hex: HMAC of timestamp and body, so one per delivery. */
		signature: text("signature").primaryKey(),
		/** When the delivery's timestamp leaves the accepted window (UTC epoch ms). */
		expiresAt: integer("expires_at").notNull(),
	},
	(t) => [index("zoom_webhook_receipts_expiry_idx").on(t.expiresAt)],
);

/** The last operations on a connection, shown on the Integrations page (trimmed to 100). */
export const connectionLog = sqliteTable(
	"connection_log",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		connectionId: text("connection_id")
			.notNull()
			.references(() => calendarConnections.id, { onDelete: "cascade" }),
		at: integer("at").notNull(),
		operation: text("operation").notNull(),
		outcome: text("outcome", { enum: ["ok", "retry", "error"] }).notNull(),
		message: text("message"),
	},
	(t) => [index("connection_log_connection_idx").on(t.connectionId, t.id)],
);

/**
 * Calendar pushes that could not be applied and must not be lost: waiting for a connection to be
 * usable again (re-authorised, another calendar picked) or failed for good until the admin retries.
 * One row per booking and connection; draining it re-enqueues the booking's pushes.
 */
export const pendingPushes = sqliteTable(
	"pending_pushes",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		connectionId: text("connection_id")
			.notNull()
			.references(() => calendarConnections.id, { onDelete: "cascade" }),
		bookingId: text("booking_id")
			.notNull()
			.references(() => bookings.id, { onDelete: "cascade" }),
		/** "waiting": drains by itself when the connection is usable again; "failed": drains on an admin retry. */
		state: text("state", { enum: ["waiting", "failed"] }).notNull(),
		/** A failed push that may succeed later (it ran out of retries); a 4xx that cannot is false and waits for the admin. */
		retryable: integer("retryable", { mode: "boolean" }).notNull().default(false),
		message: text("message"),
		createdAt: createdAt(),
	},
	(t) => [uniqueIndex("pending_pushes_connection_booking_idx").on(t.connectionId, t.bookingId)],
);
