ALTER TABLE `bookings` ADD `customer_phone` text;
-- Bookings made before the column show their staff member what they showed before: the record's phone.
UPDATE `bookings` SET `customer_phone` = (SELECT `phone` FROM `customers` WHERE `customers`.`id` = `bookings`.`customer_id`) WHERE `customer_id` IS NOT NULL;
