CREATE TABLE `feed_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guid` text NOT NULL,
	`slug` text NOT NULL,
	`event` text NOT NULL,
	`corrects` text,
	`at` integer NOT NULL,
	`title` text NOT NULL,
	`summary` text NOT NULL,
	`stated` text,
	`published_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feed_items_guid_uq` ON `feed_items` (`guid`);--> statement-breakpoint
CREATE INDEX `feed_items_at_idx` ON `feed_items` (`at`);--> statement-breakpoint
CREATE INDEX `feed_items_slug_idx` ON `feed_items` (`slug`,`id`);