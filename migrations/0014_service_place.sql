ALTER TABLE `merchants` ADD `address` text;
ALTER TABLE `services` ADD `place_kind` text DEFAULT 'in_person_business' NOT NULL;
ALTER TABLE `services` ADD `place_address` text;
ALTER TABLE `services` ADD `place_phone` text;
ALTER TABLE `services` ADD `place_url` text;
ALTER TABLE `staff` ADD `place_kind` text;
ALTER TABLE `staff` ADD `place_address` text;
ALTER TABLE `staff` ADD `place_phone` text;
ALTER TABLE `staff` ADD `place_url` text;
--> statement-breakpoint
-- A free-text location becomes "in person at another address" with that text; none stays at the
-- business address (the default). The update moves each merchant's setup_version (0012's trigger), so
-- the cron refreshes every object's setup copy.
UPDATE `services` SET `place_kind` = 'in_person_address', `place_address` = trim(`location`) WHERE trim(coalesce(`location`, '')) <> '';
--> statement-breakpoint
ALTER TABLE `services` DROP COLUMN `location`;
--> statement-breakpoint
-- The business address is part of the setup the merchant's object copies (the place it prints).
DROP TRIGGER IF EXISTS merchants_setup_version;
--> statement-breakpoint
CREATE TRIGGER merchants_setup_version AFTER UPDATE OF name, timezone, settings, address ON merchants
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = NEW.id; END;
