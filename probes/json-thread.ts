/**
 * JSON.parse on a worker thread. A megabyte of JSON takes several milliseconds to parse, and every millisecond the
 * event loop is busy is added to the TTFB of whichever probe is waiting for its headers just then. Small bodies,
 * which is every real status page, are parsed in place: the round trip would cost more than it saves.
 */
import { Worker } from "node:worker_threads";
import { isNestedDeeperThan, MAX_JSON_DEPTH, TOO_DEEP_ERROR } from "@/probes/json-depth";

/** Parsing in place below this: a 64 KiB body parses in about 0.3 ms, less than a round trip to the thread. */
export const OFF_THREAD_MIN_CHARS = 64 * 1024;
// JSON.parse of the 1 MiB a probe reads at most takes milliseconds; no answer in this long is a thread gone wrong.
const THREAD_TIMEOUT_MS = 10_000;
// A thread holds ~20 MB; one unused this long (the page is back to its normal size) is let go.
const THREAD_IDLE_MS = 5 * 60_000;
// 1 MiB of JSON parses into a few MB of objects; the cap only keeps a runaway thread from growing the worker.
const THREAD_HEAP_MB = 64;

export type Shaped<T> = { value: T } | { error: string };

/**
 * A pure function of the parsed JSON and a plain argument. Its source text runs on the thread, so it must be
 * self-contained: no imports and no names from outside its own body.
 */
export type Shaper<A, T> = (json: unknown, arg: A) => T;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** Parse with `shape` applied, in place for small bodies and on one lazily started thread for big ones. */
export class JsonParser<A, T> {
  private thread: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly shape: Shaper<A, T>) {}

  /** Never rejects for bad or too deeply nested JSON (that is `{ error }`); rejects only when the thread itself fails. */
  async parse(text: string, arg: A): Promise<Shaped<T>> {
    if (text.length < OFF_THREAD_MIN_CHARS) return this.parseHere(text, arg);
    return (await this.ask(text, arg)) as Shaped<T>;
  }

  /** The same on the calling thread, for small bodies and synchronous callers. */
  parseHere(text: string, arg: A): Shaped<T> {
    if (isNestedDeeperThan(text, MAX_JSON_DEPTH)) return { error: TOO_DEEP_ERROR };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { error: "body is not valid JSON" };
    }
    return { value: this.shape(json, arg) };
  }

  private ask(text: string, arg: A): Promise<unknown> {
    clearTimeout(this.idle);
    const thread = this.thread ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(thread, new Error(`JSON parser thread gave no answer in ${THREAD_TIMEOUT_MS} ms`)), THREAD_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      // Held open only while a parse is owed: an idle thread must not keep a finished CLI alive.
      thread.ref();
      thread.postMessage({ id, text, arg });
    });
  }

  private start(): Worker {
    // `__name` is what esbuild's keepNames (tsx) wraps nested functions in; the thread has no esbuild helpers.
    // The depth check runs here, before JSON.parse: a too-deep value must never be built, let alone cloned back.
    const source = `
      const { parentPort } = require("node:worker_threads");
      var __name = (f) => f;
      const shape = (${this.shape.toString()});
      const isNestedDeeperThan = (${isNestedDeeperThan.toString()});
      parentPort.on("message", ({ id, text, arg }) => {
        if (isNestedDeeperThan(text, ${MAX_JSON_DEPTH})) { parentPort.postMessage({ id, answer: { error: ${JSON.stringify(TOO_DEEP_ERROR)} } }); return; }
        let json;
        try { json = JSON.parse(text); } catch { parentPort.postMessage({ id, answer: { error: "body is not valid JSON" } }); return; }
        try { parentPort.postMessage({ id, answer: { value: shape(json, arg) } }); }
        catch (err) { parentPort.postMessage({ id, crash: String((err && err.message) || err) }); }
      });`;
    const thread = new Worker(source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB } });
    thread.unref();
    thread.on("message", (msg: { id: number; answer?: unknown; crash?: string }) => {
      const job = this.pending.get(msg.id);
      if (!job) return;
      this.pending.delete(msg.id);
      clearTimeout(job.timer);
      if (this.pending.size === 0) this.rest(thread);
      if (msg.crash !== undefined) job.reject(new Error(`JSON parser thread: ${msg.crash}`));
      else job.resolve(msg.answer);
    });
    thread.on("error", (err) => this.fail(thread, err));
    thread.on("exit", (code) => this.fail(thread, new Error(`JSON parser thread exited (${code})`)));
    this.thread = thread;
    return thread;
  }

  /** Nothing owed: let the process exit without waiting for the thread, and end the thread if it stays unused. */
  private rest(thread: Worker): void {
    thread.unref();
    this.idle = setTimeout(() => {
      if (this.thread !== thread || this.pending.size > 0) return;
      this.thread = null;
      void thread.terminate();
    }, THREAD_IDLE_MS);
    this.idle.unref();
  }

  /** Reject everything owed and drop the thread; the next big body starts a fresh one. */
  private fail(thread: Worker, err: Error): void {
    if (this.thread !== thread) return; // an old thread's exit, long after its jobs were settled
    this.thread = null;
    for (const job of this.pending.values()) {
      clearTimeout(job.timer);
      job.reject(err);
    }
    this.pending.clear();
    void thread.terminate();
  }
}
