CREATE TABLE `ship_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`cursor` integer DEFAULT 0 NOT NULL,
	`dropped` integer DEFAULT 0 NOT NULL,
	`plan` text,
	`plan_fetched_at` integer
);
--> statement-breakpoint
CREATE TABLE `vantages` (
	`id` text PRIMARY KEY NOT NULL,
	`last_batch_at` integer,
	`newest_result_at` integer,
	`backlog` integer DEFAULT 0 NOT NULL,
	`clock_skew_ms` integer,
	`accepted` integer DEFAULT 0 NOT NULL,
	`duplicates` integer DEFAULT 0 NOT NULL,
	`rejected` integer DEFAULT 0 NOT NULL,
	`dropped` integer DEFAULT 0 NOT NULL,
	`last_auth_failure_at` integer,
	`last_auth_failure` text
);
--> statement-breakpoint
DROP INDEX `coverage_hours_series_bucket_uq`;--> statement-breakpoint
ALTER TABLE `coverage_hours` ADD `vantage` text DEFAULT 'local' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `coverage_hours_vantage_series_bucket_uq` ON `coverage_hours` (`vantage`,`series`,`bucket_start`);--> statement-breakpoint
DROP INDEX `probe_results_series_started_at_idx`;--> statement-breakpoint
ALTER TABLE `probe_results` ADD `vantage` text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE `probe_results` ADD `received_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `probe_results_vantage_series_started_uq` ON `probe_results` (`vantage`,`series`,`started_at`);--> statement-breakpoint
DROP INDEX `rollups_day_series_bucket_uq`;--> statement-breakpoint
ALTER TABLE `rollups_day` ADD `vantage` text DEFAULT 'local' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `rollups_day_vantage_series_bucket_uq` ON `rollups_day` (`vantage`,`series`,`bucket_start`);--> statement-breakpoint
DROP INDEX `rollups_hour_series_bucket_uq`;--> statement-breakpoint
ALTER TABLE `rollups_hour` ADD `vantage` text DEFAULT 'local' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `rollups_hour_vantage_series_bucket_uq` ON `rollups_hour` (`vantage`,`series`,`bucket_start`);--> statement-breakpoint
DROP INDEX `rollups_minute_series_bucket_uq`;--> statement-breakpoint
ALTER TABLE `rollups_minute` ADD `vantage` text DEFAULT 'local' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `rollups_minute_vantage_series_bucket_uq` ON `rollups_minute` (`vantage`,`series`,`bucket_start`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_detector_states` (
	`vantage` text DEFAULT 'local' NOT NULL,
	`series` text NOT NULL,
	`state` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`vantage`, `series`)
);
--> statement-breakpoint
INSERT INTO `__new_detector_states`("vantage", "series", "state", "updated_at") SELECT 'local', "series", "state", "updated_at" FROM `detector_states`;--> statement-breakpoint
DROP TABLE `detector_states`;--> statement-breakpoint
ALTER TABLE `__new_detector_states` RENAME TO `detector_states`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `measured_incidents` ADD `vantage` text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE `writer_leases` ADD `ingest_port` integer;