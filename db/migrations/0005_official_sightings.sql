CREATE TABLE `official_reads` (
	`endpoint` text PRIMARY KEY NOT NULL,
	`last_read_at` integer NOT NULL,
	`last_ok_at` integer
);
--> statement-breakpoint
ALTER TABLE `official_incident_updates` ADD `first_seen_at` integer;--> statement-breakpoint
ALTER TABLE `official_incidents` ADD `first_listed_at` integer;--> statement-breakpoint
ALTER TABLE `official_incidents` ADD `last_listed_at` integer;--> statement-breakpoint
-- Rows from before this migration: an incident first seen unresolved was listed by the summary from its first to its last sighting (as it was then read); one first seen already resolved came from incidents.json only and never claimed anything while Witness read the page.
UPDATE `official_incidents` SET `first_listed_at` = `first_seen_at`, `last_listed_at` = `last_seen_at` WHERE `resolved_at` IS NULL OR `resolved_at` > `first_seen_at`;--> statement-breakpoint
-- An update was first read no earlier than its incident, nor before it was written.
UPDATE `official_incident_updates` SET `first_seen_at` = max(`created_at`, (SELECT i.`first_seen_at` FROM `official_incidents` i WHERE i.`id` = `official_incident_updates`.`incident_id`));
