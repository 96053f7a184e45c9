CREATE TABLE `late_evidence` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`vantage` text NOT NULL,
	`evidence_id` integer NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`reported_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `late_evidence_incident_evidence_uq` ON `late_evidence` (`incident_id`,`evidence_id`);--> statement-breakpoint
ALTER TABLE `feed_items` ADD `scope` text DEFAULT 'global' NOT NULL;--> statement-breakpoint
ALTER TABLE `measured_incidents` ADD `scope` text DEFAULT 'global';--> statement-breakpoint
ALTER TABLE `measured_incidents` ADD `vantages` text;--> statement-breakpoint
ALTER TABLE `measured_incidents` ADD `confirmed_late` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `measured_incidents` ADD `decided_at` integer;--> statement-breakpoint
ALTER TABLE `rollups_day` ADD `ttfb_ms_histogram` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `rollups_hour` ADD `ttfb_ms_histogram` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `rollups_minute` ADD `ttfb_ms_histogram` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
CREATE INDEX `probe_results_vantage_started_idx` ON `probe_results` (`vantage`,`started_at`);--> statement-breakpoint
-- Every incident stored so far of this install's own is published and global (one vantage: today's rule); a
-- vantage's own incidents at a hub are the verdict's evidence, never published by themselves.
UPDATE `measured_incidents` SET `scope` = NULL WHERE `vantage` <> 'local';
