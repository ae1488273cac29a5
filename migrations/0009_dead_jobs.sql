-- Queue jobs that ran out of retries, kept until the cron's requeue of them succeeds (src/sync/dead-letters.ts).
CREATE TABLE `dead_jobs` (
	`key` text PRIMARY KEY NOT NULL,
	`merchant_id` text,
	`job` text NOT NULL,
	`died_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE INDEX `dead_jobs_due_idx` ON `dead_jobs` (`next_attempt_at`);
CREATE INDEX `dead_jobs_merchant_idx` ON `dead_jobs` (`merchant_id`);