/**
 * The hub's watch over its vantages: `vantage.silent` when one stops sending, `vantage.back` when its batches arrive
 * again. Called from the hub's worker every few seconds; each vantage's spell is kept in alert_states
 * (`vantage:<id>`), so a restart neither repeats an alert nor misses one, and event ids come from the facts (the
 * vantage and its last batch before the silence), so a replay adds nothing to the outbox.
 *
 * A silence is only announced once the watch has itself been running for the silence window: after a hub restart
 * every vantage's last batch is old, and the vantages need that long to be heard again. A vantage whose requests are
 * refused (`auth_failing`) is trying: it neither starts a silence nor ends one.
 */
import { vantageBackEvent, vantageSilentEvent, type VantageFact } from "@/lib/alerts/events";
import { enqueueEvent } from "@/lib/alerts/outbox";
import type { Config } from "@/lib/config";
import type { Logger } from "@/lib/log";
import { silentAfterMs, vantageState, type VantageState } from "@/lib/vantage/state";
import type { Db } from "@/db/client";
import { getAlertState, saveAlertState } from "@/db/queries/alerts";
import { ensureInstanceId } from "@/db/queries/instance";
import { getVantageRows } from "@/db/queries/vantages";

/** What alert_states keeps per vantage. */
export interface VantageSpell {
  state: VantageState;
  /** The silence announced and not yet over: the vantage's last batch before it (null: never heard from). */
  silent: { lastBatchAt: number | null } | null;
  [key: string]: unknown;
}

export const spellKey = (id: string) => `vantage:${id}`;

export class VantageWatch {
  private startedAt: number | null = null;
  private instance: string | null = null;

  constructor(
    private readonly config: Config,
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  /** Compare each configured vantage's state at `now` with its kept spell; write silent/back events on a change. */
  tick(now: number): void {
    if (this.config.vantages.length === 0) return;
    this.startedAt ??= now;
    const rows = new Map(getVantageRows(this.db).map((r) => [r.id, r]));
    // The watch has listened for a whole silence window: a vantage still without a batch is silent, not just unheard.
    const isListening = now - this.startedAt >= silentAfterMs(this.config);
    for (const v of this.config.vantages) {
      const row = rows.get(v.id);
      const state = vantageState(row, this.config, now);
      const key = spellKey(v.id);
      const kept = getAlertState(this.db, key) as VantageSpell | undefined;
      const silent = kept?.silent ?? null;
      const fact: VantageFact = { id: v.id, name: v.name, lastBatchAt: row?.lastBatchAt?.getTime() ?? null };
      if (state === "silent" && silent === null && isListening) {
        this.db.transaction((tx) => {
          const db = tx as unknown as Db;
          enqueueEvent(db, this.config.alerts.channels, vantageSilentEvent(fact, now, this.links()), new Date(now));
          saveAlertState(db, key, { state, silent: { lastBatchAt: fact.lastBatchAt } } satisfies VantageSpell, new Date(now));
        });
        this.log.warn(`vantage ${v.id}: silent, ${fact.lastBatchAt === null ? "never heard from" : `no batch since ${new Date(fact.lastBatchAt).toISOString()}`}`);
      } else if ((state === "live" || state === "late") && silent !== null) {
        const spell: VantageFact = { ...fact, lastBatchAt: silent.lastBatchAt };
        // The first batch after the silence is what ended it; the row only keeps the newest, which is close enough.
        const backAt = fact.lastBatchAt ?? now;
        this.db.transaction((tx) => {
          const db = tx as unknown as Db;
          enqueueEvent(db, this.config.alerts.channels, vantageBackEvent(spell, backAt, this.links()), new Date(now));
          saveAlertState(db, key, { state, silent: null } satisfies VantageSpell, new Date(now));
        });
        this.log.info(`vantage ${v.id}: back, batches again since ${new Date(backAt).toISOString()}`);
      } else if (kept?.state !== state) {
        saveAlertState(this.db, key, { state, silent } satisfies VantageSpell, new Date(now));
      }
    }
  }

  private links() {
    this.instance ??= ensureInstanceId(this.db);
    return { publicUrl: this.config.publicUrl, instance: this.instance };
  }
}
