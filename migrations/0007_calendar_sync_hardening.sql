ALTER TABLE `connection_calendars` ADD `readable` integer DEFAULT true NOT NULL;
ALTER TABLE `connection_calendars` ADD `unavailable_since` integer;
ALTER TABLE `connection_calendars` ADD `sync_generation` integer DEFAULT 0 NOT NULL;
ALTER TABLE `pending_pushes` ADD `retryable` integer DEFAULT false NOT NULL;
-- One business calendar per merchant: any extra live business connection (the newest ones) is disconnected
-- first, or the unique index below could not be built. Their push channels lapse on their own.
UPDATE `calendar_connections` SET `status` = 'disconnected', `error_kind` = NULL, `status_message` = NULL, `credentials` = NULL, `credentials_key_id` = NULL
WHERE `staff_id` IS NULL AND `status` <> 'disconnected' AND EXISTS (
	SELECT 1 FROM `calendar_connections` AS `older`
	WHERE `older`.`merchant_id` = `calendar_connections`.`merchant_id` AND `older`.`staff_id` IS NULL AND `older`.`status` <> 'disconnected'
	AND (`older`.`created_at` < `calendar_connections`.`created_at` OR (`older`.`created_at` = `calendar_connections`.`created_at` AND `older`.`id` < `calendar_connections`.`id`))
);
CREATE UNIQUE INDEX `connections_one_business_idx` ON `calendar_connections` (`merchant_id`) WHERE "calendar_connections"."staff_id" is null and "calendar_connections"."status" <> 'disconnected';
-- ICS feed URLs often carry a secret token: the calendar id no longer repeats the URL (the code moves the URL
-- itself from server_url into the sealed credentials the next time the feed is read).
UPDATE `connection_calendars` SET `external_id` = 'feed'
WHERE `connection_id` IN (SELECT `id` FROM `calendar_connections` WHERE `provider` = 'ics');
