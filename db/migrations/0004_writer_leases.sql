CREATE TABLE `writer_leases` (
	`id` integer PRIMARY KEY NOT NULL,
	`token` text NOT NULL,
	`holder_pid` integer NOT NULL,
	`holder_host` text NOT NULL,
	`started_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`skipped_ticks` integer DEFAULT 0 NOT NULL
);
