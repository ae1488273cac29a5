CREATE TABLE `customer_emails` (
	`booking_id` text NOT NULL,
	`version` integer NOT NULL,
	`claimed_at` integer NOT NULL,
	`sent_at` integer,
	PRIMARY KEY(`booking_id`, `version`)
);

CREATE INDEX `customer_emails_claimed_idx` ON `customer_emails` (`claimed_at`);
ALTER TABLE `bookings` ADD `customer_name` text;