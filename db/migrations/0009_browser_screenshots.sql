CREATE TABLE `browser_screenshots` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`series` text NOT NULL,
	`taken_at` integer NOT NULL,
	`error_class` text,
	`jpeg` blob NOT NULL
);
--> statement-breakpoint
CREATE INDEX `browser_screenshots_series_taken_idx` ON `browser_screenshots` (`series`,`taken_at`);