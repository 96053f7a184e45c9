CREATE TABLE `probe_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`series` text NOT NULL,
	`kind` text NOT NULL,
	`model` text,
	`started_at` integer NOT NULL,
	`outcome` text NOT NULL,
	`error_class` text,
	`http_status` integer,
	`dns_ms` real,
	`connect_ms` real,
	`tls_ms` real,
	`ttfb_ms` real,
	`ttft_ms` real,
	`total_ms` real,
	`output_tokens` integer,
	`tokens_per_second` real,
	`request_id` text,
	`message` text
);
--> statement-breakpoint
CREATE INDEX `probe_results_series_started_at_idx` ON `probe_results` (`series`,`started_at`);--> statement-breakpoint
CREATE INDEX `probe_results_started_at_idx` ON `probe_results` (`started_at`);