ALTER TABLE `connection_calendars` ADD `sync_step` integer DEFAULT 0 NOT NULL;
ALTER TABLE `merchants` ADD `setup_version` integer DEFAULT 0 NOT NULL;
ALTER TABLE `merchants` ADD `schedule_setup_version` integer DEFAULT -1 NOT NULL;--> statement-breakpoint
-- Every change to what availability reads moves merchants.setup_version, so the merchant's Durable
-- Object (which keeps a copy of that setup) and the cron can tell a stale copy from a current one,
-- whoever wrote the change.
CREATE TRIGGER merchants_setup_version AFTER UPDATE OF name, timezone, settings ON merchants
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = NEW.id; END;
--> statement-breakpoint
CREATE TRIGGER services_setup_insert AFTER INSERT ON services
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = NEW.merchant_id; END;
--> statement-breakpoint
CREATE TRIGGER services_setup_update AFTER UPDATE ON services
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id IN (OLD.merchant_id, NEW.merchant_id); END;
--> statement-breakpoint
CREATE TRIGGER services_setup_delete AFTER DELETE ON services
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = OLD.merchant_id; END;
--> statement-breakpoint
CREATE TRIGGER staff_setup_insert AFTER INSERT ON staff
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = NEW.merchant_id; END;
--> statement-breakpoint
CREATE TRIGGER staff_setup_update AFTER UPDATE ON staff
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id IN (OLD.merchant_id, NEW.merchant_id); END;
--> statement-breakpoint
CREATE TRIGGER staff_setup_delete AFTER DELETE ON staff
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = OLD.merchant_id; END;
--> statement-breakpoint
CREATE TRIGGER resources_setup_insert AFTER INSERT ON resources
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = NEW.merchant_id; END;
--> statement-breakpoint
CREATE TRIGGER resources_setup_update AFTER UPDATE ON resources
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id IN (OLD.merchant_id, NEW.merchant_id); END;
--> statement-breakpoint
CREATE TRIGGER resources_setup_delete AFTER DELETE ON resources
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = OLD.merchant_id; END;
--> statement-breakpoint
CREATE TRIGGER staff_services_setup_insert AFTER INSERT ON staff_services
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = NEW.staff_id); END;
--> statement-breakpoint
CREATE TRIGGER staff_services_setup_delete AFTER DELETE ON staff_services
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = OLD.staff_id); END;
--> statement-breakpoint
CREATE TRIGGER working_hours_setup_insert AFTER INSERT ON working_hours
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = NEW.staff_id); END;
--> statement-breakpoint
CREATE TRIGGER working_hours_setup_update AFTER UPDATE ON working_hours
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = NEW.staff_id); END;
--> statement-breakpoint
CREATE TRIGGER working_hours_setup_delete AFTER DELETE ON working_hours
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = OLD.staff_id); END;
--> statement-breakpoint
CREATE TRIGGER date_overrides_setup_insert AFTER INSERT ON date_overrides
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = NEW.staff_id); END;
--> statement-breakpoint
CREATE TRIGGER date_overrides_setup_update AFTER UPDATE ON date_overrides
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = NEW.staff_id); END;
--> statement-breakpoint
CREATE TRIGGER date_overrides_setup_delete AFTER DELETE ON date_overrides
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = OLD.staff_id); END;
--> statement-breakpoint
CREATE TRIGGER time_off_setup_insert AFTER INSERT ON time_off
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = NEW.staff_id); END;
--> statement-breakpoint
CREATE TRIGGER time_off_setup_update AFTER UPDATE ON time_off
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = NEW.staff_id); END;
--> statement-breakpoint
CREATE TRIGGER time_off_setup_delete AFTER DELETE ON time_off
BEGIN UPDATE merchants SET setup_version = setup_version + 1 WHERE id = (SELECT merchant_id FROM staff WHERE id = OLD.staff_id); END;
--> statement-breakpoint
-- D1's bookings table is now a read model written from each merchant object's outbox; the object's
-- own schema refuses overlaps (src/booking/schedule-schema.ts), so the triggers here would only be
-- able to refuse a relay of changes that have already committed.
DROP TRIGGER IF EXISTS bookings_no_overlap_insert;
--> statement-breakpoint
DROP TRIGGER IF EXISTS bookings_no_overlap_update;
