-- The business a session's admin acts on, chosen with the business switcher (POST /admin/switch-business).
-- Only a preference: membership is checked on every request. drizzle-kit leaves ON DELETE out of an ADD COLUMN.
ALTER TABLE `sessions` ADD `merchant_id` text REFERENCES merchants(id) ON DELETE set null;
