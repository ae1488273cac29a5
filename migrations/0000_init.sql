CREATE TABLE `booking_series` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`frequency` text NOT NULL,
	`count` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE TABLE `bookings` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`service_id` text NOT NULL,
	`staff_id` text NOT NULL,
	`resource_id` text,
	`customer_id` text,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`block_start` integer NOT NULL,
	`block_end` integer NOT NULL,
	`timezone` text NOT NULL,
	`status` text NOT NULL,
	`customer_notes` text,
	`merchant_notes` text,
	`walk_in` integer DEFAULT false NOT NULL,
	`series_id` text,
	`series_index` integer,
	`idempotency_key` text,
	`request_hash` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`resource_id`) REFERENCES `resources`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`series_id`) REFERENCES `booking_series`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "bookings_block_span" CHECK("bookings"."block_end" > "bookings"."block_start" and "bookings"."block_end" - "bookings"."block_start" <= 604800000),
	CONSTRAINT "bookings_times" CHECK("bookings"."starts_at" >= "bookings"."block_start" and "bookings"."ends_at" > "bookings"."starts_at" and "bookings"."block_end" >= "bookings"."ends_at")
);

CREATE INDEX `bookings_staff_block_idx` ON `bookings` (`staff_id`,`block_start`);
CREATE INDEX `bookings_resource_block_idx` ON `bookings` (`resource_id`,`block_start`);
CREATE INDEX `bookings_merchant_start_idx` ON `bookings` (`merchant_id`,`starts_at`);
CREATE INDEX `bookings_customer_idx` ON `bookings` (`customer_id`);
CREATE INDEX `bookings_series_idx` ON `bookings` (`series_id`);
CREATE UNIQUE INDEX `bookings_idempotency_idx` ON `bookings` (`merchant_id`,`idempotency_key`) WHERE "bookings"."idempotency_key" is not null and coalesce("bookings"."series_index", 0) = 0;
CREATE TABLE `busy_blocks` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`staff_id` text,
	`calendar_id` text NOT NULL,
	`external_event_id` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`all_day` integer DEFAULT false NOT NULL,
	`tentative` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`calendar_id`) REFERENCES `connection_calendars`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `busy_blocks_staff_time_idx` ON `busy_blocks` (`staff_id`,`starts_at`);
CREATE INDEX `busy_blocks_merchant_time_idx` ON `busy_blocks` (`merchant_id`,`starts_at`);
CREATE INDEX `busy_blocks_calendar_event_idx` ON `busy_blocks` (`calendar_id`,`external_event_id`);
CREATE TABLE `calendar_connections` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`staff_id` text,
	`provider` text NOT NULL,
	`account_label` text NOT NULL,
	`status` text NOT NULL,
	`status_message` text,
	`credentials` text,
	`credentials_key_id` text,
	`access_token_expires_at` integer,
	`server_url` text,
	`last_synced_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `connections_merchant_idx` ON `calendar_connections` (`merchant_id`);
CREATE INDEX `connections_staff_idx` ON `calendar_connections` (`staff_id`);
CREATE TABLE `connection_calendars` (
	`id` text PRIMARY KEY NOT NULL,
	`connection_id` text NOT NULL,
	`external_id` text NOT NULL,
	`name` text NOT NULL,
	`writable` integer DEFAULT false NOT NULL,
	`is_write_target` integer DEFAULT false NOT NULL,
	`check_conflicts` integer DEFAULT false NOT NULL,
	`sync_cursor` text,
	`change_tag` text,
	`push_channel_id` text,
	`push_resource_id` text,
	`push_secret_hash` text,
	`push_expires_at` integer,
	`last_synced_at` integer,
	FOREIGN KEY (`connection_id`) REFERENCES `calendar_connections`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE UNIQUE INDEX `connection_calendars_external_idx` ON `connection_calendars` (`connection_id`,`external_id`);
CREATE INDEX `connection_calendars_channel_idx` ON `connection_calendars` (`push_channel_id`);
CREATE TABLE `connection_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` text NOT NULL,
	`at` integer NOT NULL,
	`operation` text NOT NULL,
	`outcome` text NOT NULL,
	`message` text,
	FOREIGN KEY (`connection_id`) REFERENCES `calendar_connections`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `connection_log_connection_idx` ON `connection_log` (`connection_id`,`id`);
CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`user_id` text,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`phone` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);

CREATE UNIQUE INDEX `customers_merchant_email_idx` ON `customers` (`merchant_id`,`email`);
CREATE INDEX `customers_user_idx` ON `customers` (`user_id`);
CREATE TABLE `date_overrides` (
	`id` text PRIMARY KEY NOT NULL,
	`staff_id` text NOT NULL,
	`date` text NOT NULL,
	`intervals` text NOT NULL,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE UNIQUE INDEX `date_overrides_staff_date_idx` ON `date_overrides` (`staff_id`,`date`);
CREATE TABLE `event_links` (
	`id` text PRIMARY KEY NOT NULL,
	`booking_id` text NOT NULL,
	`calendar_id` text NOT NULL,
	`external_event_id` text NOT NULL,
	`etag` text,
	`pushed_version` integer NOT NULL,
	`deleted` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`booking_id`) REFERENCES `bookings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`calendar_id`) REFERENCES `connection_calendars`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE UNIQUE INDEX `event_links_booking_calendar_idx` ON `event_links` (`booking_id`,`calendar_id`);
CREATE TABLE `identities` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`provider` text NOT NULL,
	`subject` text NOT NULL,
	`email` text,
	`email_verified` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE UNIQUE INDEX `identities_provider_subject_idx` ON `identities` (`provider`,`subject`);
CREATE INDEX `identities_user_idx` ON `identities` (`user_id`);
CREATE TABLE `memberships` (
	`user_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`role` text NOT NULL,
	`staff_id` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`user_id`, `merchant_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE set null
);

CREATE INDEX `memberships_merchant_idx` ON `memberships` (`merchant_id`);
CREATE TABLE `merchants` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`timezone` text NOT NULL,
	`brand_color` text DEFAULT '#4f46e5' NOT NULL,
	`settings` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);

CREATE UNIQUE INDEX `merchants_slug_unique` ON `merchants` (`slug`);
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`merchant_id` text NOT NULL,
	`booking_id` text NOT NULL,
	`version` integer NOT NULL,
	`change` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`sent_at` integer
);

CREATE INDEX `outbox_unsent_idx` ON `outbox` (`sent_at`,`id`);
CREATE TABLE `resources` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `resources_merchant_type_idx` ON `resources` (`merchant_id`,`type`);
CREATE TABLE `services` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`name` text NOT NULL,
	`duration_minutes` integer NOT NULL,
	`color` text NOT NULL,
	`buffer_before_minutes` integer DEFAULT 0 NOT NULL,
	`buffer_after_minutes` integer DEFAULT 0 NOT NULL,
	`min_notice_minutes` integer DEFAULT 0 NOT NULL,
	`horizon_days` integer DEFAULT 60 NOT NULL,
	`slot_interval_minutes` integer DEFAULT 15 NOT NULL,
	`location` text,
	`price_cents` integer,
	`currency` text,
	`required_resource_type` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `services_merchant_idx` ON `services` (`merchant_id`);
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);
CREATE TABLE `staff` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`timezone` text NOT NULL,
	`color` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `staff_merchant_idx` ON `staff` (`merchant_id`,`position`);
CREATE TABLE `staff_services` (
	`staff_id` text NOT NULL,
	`service_id` text NOT NULL,
	PRIMARY KEY(`staff_id`, `service_id`),
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `staff_services_service_idx` ON `staff_services` (`service_id`);
CREATE TABLE `time_off` (
	`id` text PRIMARY KEY NOT NULL,
	`staff_id` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`reason` text,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `time_off_staff_time_idx` ON `time_off` (`staff_id`,`starts_at`);
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`email_verified_at` integer,
	`password_hash` text,
	`first_name` text,
	`last_name` text,
	`photo_url` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);

CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);
CREATE TABLE `working_hours` (
	`id` text PRIMARY KEY NOT NULL,
	`staff_id` text NOT NULL,
	`weekday` integer NOT NULL,
	`start_time` text NOT NULL,
	`end_time` text NOT NULL,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `working_hours_staff_idx` ON `working_hours` (`staff_id`,`weekday`);