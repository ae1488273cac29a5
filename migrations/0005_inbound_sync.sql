ALTER TABLE `busy_blocks` ADD `external_instance_id` text;
ALTER TABLE `calendar_connections` ADD `retry_attempts` integer DEFAULT 0 NOT NULL;
ALTER TABLE `calendar_connections` ADD `next_retry_at` integer;