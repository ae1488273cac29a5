CREATE TABLE `pending_pushes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` text NOT NULL,
	`booking_id` text NOT NULL,
	`state` text NOT NULL,
	`message` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `calendar_connections`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`booking_id`) REFERENCES `bookings`(`id`) ON UPDATE no action ON DELETE cascade
);

CREATE UNIQUE INDEX `pending_pushes_connection_booking_idx` ON `pending_pushes` (`connection_id`,`booking_id`);
ALTER TABLE `calendar_connections` ADD `error_kind` text;