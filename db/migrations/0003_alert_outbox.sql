CREATE TABLE `alert_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`channel` text NOT NULL,
	`event` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_outbox_event_channel_uq` ON `alert_outbox` (`event_id`,`channel`);--> statement-breakpoint
CREATE INDEX `alert_outbox_state_channel_idx` ON `alert_outbox` (`state`,`channel`,`id`);--> statement-breakpoint
CREATE TABLE `alert_states` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
