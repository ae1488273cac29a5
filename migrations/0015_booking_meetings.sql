CREATE TABLE `booking_meetings` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`booking_id` text NOT NULL,
	`series_id` text,
	`provider` text NOT NULL,
	`connection_id` text,
	`state` text NOT NULL,
	`external_id` text,
	`join_url` text,
	`error` text,
	`intent_at` integer,
	`synced_version` integer DEFAULT 0 NOT NULL,
	`ready_at` integer,
	`link_mailed_at` integer,
	`link_mail_sent_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`booking_id`) REFERENCES `bookings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`connection_id`) REFERENCES `calendar_connections`(`id`) ON UPDATE no action ON DELETE set null
);

CREATE INDEX `booking_meetings_booking_idx` ON `booking_meetings` (`booking_id`);
CREATE INDEX `booking_meetings_connection_idx` ON `booking_meetings` (`connection_id`);
CREATE INDEX `booking_meetings_merchant_state_idx` ON `booking_meetings` (`merchant_id`,`state`);
ALTER TABLE `calendar_connections` ADD `external_account_id` text;
ALTER TABLE `calendar_connections` ADD `refresh_lease_until` integer;
ALTER TABLE `connection_calendars` ADD `online_meetings` text;