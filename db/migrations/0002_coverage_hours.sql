CREATE TABLE `coverage_hours` (
	`series` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	`last_conclusive` integer NOT NULL,
	`gap_ms` integer NOT NULL,
	`covered` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `coverage_hours_series_bucket_uq` ON `coverage_hours` (`series`,`bucket_start`);--> statement-breakpoint
-- Hours stored before coverage was: each covers exactly its minutes that hold a conclusive (not inconclusive)
-- result, and nothing beyond them (gap_ms 0), since the minute rollups no longer say when in the minute results came.
-- Rebuilding rollups from raw results (lib/rollup-writer.ts) replaces these with the exact rule.
INSERT INTO `coverage_hours` (`series`, `bucket_start`, `first_at`, `last_at`, `last_conclusive`, `gap_ms`, `covered`)
WITH `minutes` AS (
  SELECT `series`, `bucket_start` - `bucket_start` % 3600000 AS `hour`, (`bucket_start` % 3600000) / 60000 AS `slot`,
    (`up` + `degraded` + `down`) > 0 AS `conclusive`
  FROM `rollups_minute`
),
`islands` AS (
  SELECT `series`, `hour`, min(`slot`) AS `a`, max(`slot`) + 1 AS `b`
  FROM (
    SELECT `series`, `hour`, `slot`, `slot` - row_number() OVER (PARTITION BY `series`, `hour` ORDER BY `slot`) AS `island`
    FROM `minutes` WHERE `conclusive`
  )
  GROUP BY `series`, `hour`, `island`
),
`runs` AS (
  SELECT `series`, `hour`, json_group_array(json_array(`a`, `b`) ORDER BY `a`) AS `covered` FROM `islands` GROUP BY `series`, `hour`
),
`hours` AS (
  -- max(slot * 2 + conclusive): the last minute of the hour, and in its low bit whether it held a conclusive result.
  SELECT `series`, `hour`, min(`slot`) AS `first_slot`, max(`slot` * 2 + `conclusive`) AS `last` FROM `minutes` GROUP BY `series`, `hour`
)
SELECT `h`.`series`, `h`.`hour`, `h`.`hour` + `h`.`first_slot` * 60000, `h`.`hour` + (`h`.`last` / 2) * 60000, `h`.`last` % 2, 0,
  coalesce(`r`.`covered`, '[]')
FROM `hours` `h` LEFT JOIN `runs` `r` ON `r`.`series` = `h`.`series` AND `r`.`hour` = `h`.`hour`;
