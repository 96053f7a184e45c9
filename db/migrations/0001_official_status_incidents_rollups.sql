CREATE TABLE `detector_states` (
	`series` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `measured_incidents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`surface` text NOT NULL,
	`series` text NOT NULL,
	`model` text,
	`started_at` integer NOT NULL,
	`confirmed_at` integer NOT NULL,
	`ended_at` integer,
	`severity` text NOT NULL,
	`peak_failure_ratio` real NOT NULL,
	`error_class_counts` text NOT NULL,
	`sample_request_ids` text NOT NULL,
	`failed_results` integer NOT NULL,
	`total_results` integer NOT NULL,
	`last_result_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `measured_incidents_surface_started_idx` ON `measured_incidents` (`surface`,`started_at`);--> statement-breakpoint
CREATE INDEX `measured_incidents_ended_idx` ON `measured_incidents` (`ended_at`);--> statement-breakpoint
CREATE TABLE `official_component_statuses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`component_id` text NOT NULL,
	`component_name` text NOT NULL,
	`status` text NOT NULL,
	`observed_at` integer NOT NULL,
	`reason` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `official_component_statuses_component_observed_idx` ON `official_component_statuses` (`component_id`,`observed_at`);--> statement-breakpoint
CREATE TABLE `official_incident_updates` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`status` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`display_at` integer,
	`affected_components` text NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `official_incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `official_incident_updates_incident_created_idx` ON `official_incident_updates` (`incident_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `official_incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`impact` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`started_at` integer,
	`monitoring_at` integer,
	`resolved_at` integer,
	`shortlink` text,
	`component_ids` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `official_maintenances` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`impact` text NOT NULL,
	`scheduled_for` integer,
	`scheduled_until` integer,
	`component_ids` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `official_payloads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`fetched_at` integer NOT NULL,
	`endpoint` text NOT NULL,
	`sha256` text NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `official_payloads_endpoint_fetched_idx` ON `official_payloads` (`endpoint`,`fetched_at`);--> statement-breakpoint
CREATE TABLE `rollups_day` (
	`series` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`up` integer NOT NULL,
	`degraded` integer NOT NULL,
	`down` integer NOT NULL,
	`inconclusive` integer NOT NULL,
	`error_class_counts` text NOT NULL,
	`total_ms_histogram` text NOT NULL,
	`ttft_ms_histogram` text NOT NULL,
	`tokens_per_second_sum` real NOT NULL,
	`tokens_per_second_count` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rollups_day_series_bucket_uq` ON `rollups_day` (`series`,`bucket_start`);--> statement-breakpoint
CREATE TABLE `rollups_hour` (
	`series` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`up` integer NOT NULL,
	`degraded` integer NOT NULL,
	`down` integer NOT NULL,
	`inconclusive` integer NOT NULL,
	`error_class_counts` text NOT NULL,
	`total_ms_histogram` text NOT NULL,
	`ttft_ms_histogram` text NOT NULL,
	`tokens_per_second_sum` real NOT NULL,
	`tokens_per_second_count` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rollups_hour_series_bucket_uq` ON `rollups_hour` (`series`,`bucket_start`);--> statement-breakpoint
CREATE TABLE `rollups_minute` (
	`series` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`up` integer NOT NULL,
	`degraded` integer NOT NULL,
	`down` integer NOT NULL,
	`inconclusive` integer NOT NULL,
	`error_class_counts` text NOT NULL,
	`total_ms_histogram` text NOT NULL,
	`ttft_ms_histogram` text NOT NULL,
	`tokens_per_second_sum` real NOT NULL,
	`tokens_per_second_count` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rollups_minute_series_bucket_uq` ON `rollups_minute` (`series`,`bucket_start`);