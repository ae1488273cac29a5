-- Zoom webhook deliveries already acted on (replay protection inside the signature window), and Zoom
-- connections beside calendars: one live Zoom account per staff member and one for the business, which no
-- longer counts against the business's one calendar.
CREATE TABLE `zoom_webhook_receipts` (
	`signature` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);

CREATE INDEX `zoom_webhook_receipts_expiry_idx` ON `zoom_webhook_receipts` (`expires_at`);
DROP INDEX `connections_one_business_idx`;
CREATE UNIQUE INDEX `connections_one_staff_zoom_idx` ON `calendar_connections` (`merchant_id`,`staff_id`) WHERE "calendar_connections"."provider" = 'zoom' and "calendar_connections"."staff_id" is not null and "calendar_connections"."status" <> 'disconnected';
CREATE UNIQUE INDEX `connections_one_business_zoom_idx` ON `calendar_connections` (`merchant_id`) WHERE "calendar_connections"."provider" = 'zoom' and "calendar_connections"."staff_id" is null and "calendar_connections"."status" <> 'disconnected';
CREATE UNIQUE INDEX `connections_one_business_idx` ON `calendar_connections` (`merchant_id`) WHERE "calendar_connections"."staff_id" is null and "calendar_connections"."status" <> 'disconnected' and "calendar_connections"."provider" <> 'zoom';