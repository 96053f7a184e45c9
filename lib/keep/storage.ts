/**
 * What each table of a Witness database holds and weighs, for `npm run -s report -- --storage`: rows per table and
 * bytes (the table with its indexes) from SQLite's dbstat virtual table, which better-sqlite3's build includes; where
 * a build lacks it, bytes are null and only the file's page counts are given. Read-only.
 */
import type { Database } from "better-sqlite3";

export interface TableStorage {
  name: string;
  rows: number;
  /** The table and its indexes, in bytes of pages; null without dbstat. */
  bytes: number | null;
}

export interface StorageReport {
  path: string;
  pageSize: number;
  /** Pages in the file, and those free for reuse (deleted rows leave them: the file then stops growing). */
  pages: number;
  freePages: number;
  /** pageSize × pages: the main file, without the -wal beside it. */
  fileBytes: number;
  dbstat: boolean;
  tables: TableStorage[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Rows and bytes per table of `sqlite`, largest first. */
export function readStorage(sqlite: Database): StorageReport {
  const names = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  let bytesByTable: Map<string, number> | null = null;
  try {
    // Each b-tree (a table or an index) is attributed to its table through sqlite_master.tbl_name.
    const rows = sqlite
      .prepare("SELECT m.tbl_name AS name, sum(s.pgsize) AS bytes FROM dbstat AS s JOIN sqlite_master AS m ON m.name = s.name GROUP BY m.tbl_name")
      .all() as { name: string; bytes: number }[];
    bytesByTable = new Map(rows.map((r) => [r.name, r.bytes]));
  } catch {
    bytesByTable = null;
  }
  const tables = names.map((name) => ({
    name,
    rows: (sqlite.prepare(`SELECT count(*) AS n FROM ${quote(name)}`).get() as { n: number }).n,
    bytes: bytesByTable ? (bytesByTable.get(name) ?? 0) : null,
  }));
  tables.sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0) || b.rows - a.rows || a.name.localeCompare(b.name));
  const pageSize = sqlite.pragma("page_size", { simple: true }) as number;
  const pages = sqlite.pragma("page_count", { simple: true }) as number;
  return { path: sqlite.name, pageSize, pages, freePages: sqlite.pragma("freelist_count", { simple: true }) as number, fileBytes: pageSize * pages, dbstat: bytesByTable !== null, tables };
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** The report as a table for a terminal. */
export function formatStorage(r: StorageReport): string {
  const width = Math.max(5, ...r.tables.map((t) => t.name.length));
  const lines = [
    `Witness storage: ${r.path}`,
    `${"table".padEnd(width)}  ${"rows".padStart(10)}  ${"size".padStart(10)}`,
    ...r.tables.map((t) => `${t.name.padEnd(width)}  ${String(t.rows).padStart(10)}  ${(t.bytes === null ? "n/a" : mb(t.bytes)).padStart(10)}`),
    `file ${mb(r.fileBytes)} (${r.pages} pages of ${r.pageSize} bytes, ${r.freePages} free for reuse)${r.dbstat ? "" : "; per-table sizes need SQLite's dbstat, not in this build"}`,
  ];
  return `${lines.join("\n")}\n`;
}
