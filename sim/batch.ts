// Many caps at once: every (scenario file × seed) pair is one cap, run on a pool of worker threads (one per
// core by default), each cap a whole simulation of its own. `npm run sim` uses it when given several files or
// seeds (sim/cli.ts); `npm run bench` reports its throughput (cap-years of the default pattern per minute).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Summary } from "./runner.js";
import type { ResolvedScenario } from "./scenario.js";

/** One cap to simulate. */
export interface CapJob {
  file: string;
  /** The device's seed (flash wear, sensor noise); default: the scenario's. */
  seed?: number;
  /** Plays the scenario's events this many times in a row (repeatScenario). Default 1. */
  repeat?: number;
  /** The bundle's source (default: dist/firmware.js, read by each worker). */
  bundlePath?: string;
  /** SimDeviceOptions.hangGuard (default on). */
  hangGuard?: boolean | number;
}

export interface CapResult {
  job: CapJob;
  summary: Summary | null;
  /** Why the cap did not complete (invalid scenario, a run error): a readable message. */
  error: string | null;
  /** Host seconds this cap took in its worker. */
  seconds: number;
}

/**
 * The scenario's events played `times` times back to back (each copy shifted by the duration): a year of the
 * default pattern is the default two weeks repeated 26 times. Armed power cuts count flash operations from the
 * event on, so a repeated one fires again.
 */
export function repeatScenario(sc: ResolvedScenario, times: number): ResolvedScenario {
  if (!Number.isInteger(times) || times < 1) throw new RangeError(`repeat must be a whole number >= 1 (got ${times})`);
  if (times === 1) return sc;
  const events: ResolvedScenario["events"] = [];
  for (let i = 0; i < times; i++) for (const e of sc.events) events.push({ ...e, t: e.t + i * sc.duration });
  return { ...sc, name: `${sc.name} (×${times})`, duration: sc.duration * times, events };
}

/** The URL of tsx's ESM API (its "import" export: the CommonJS one cannot register the ESM hooks). */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports["./esm/api"].import.default)).href;
}

/** Worker threads this machine can usefully run: one per core. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Runs the caps on `workers` threads; results come back in job order. onResult sees each as it finishes.
 * A cap that fails (bad file, an exception in the run) gives a result with `error` set; the others go on.
 */
export async function runCaps(jobs: CapJob[], opts: { workers?: number; onResult?: (r: CapResult, index: number) => void } = {}): Promise<CapResult[]> {
  const results: CapResult[] = new Array(jobs.length);
  const n = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), jobs.length));
  let next = 0;
  // Workers run the TypeScript sources through tsx's loader, as the main thread does.
  const api = tsxEsmApi();
  const entry = new URL("./batch-worker.ts", import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(boot, { eval: true, env: { ...process.env, TZ: "UTC" } });
        let current = -1;
        const feed = () => {
          if (next >= jobs.length) {
            current = -1;
            void w.terminate().then(() => resolve());
            return;
          }
          current = next++;
          w.postMessage(jobs[current]);
        };
        w.on("message", (m: { ready: true } | Omit<CapResult, "job">) => {
          if ("ready" in m) return feed();
          const r: CapResult = { job: jobs[current], summary: m.summary, error: m.error, seconds: m.seconds };
          results[current] = r;
          opts.onResult?.(r, current);
          feed();
        });
        w.on("error", (e) => {
          if (current >= 0 && !results[current]) {
            const r: CapResult = { job: jobs[current], summary: null, error: `worker failed: ${e.message}`, seconds: 0 };
            results[current] = r;
            opts.onResult?.(r, current);
          }
          reject(e);
        });
      }),
    ),
  );
  return results;
}

/** The caps' figures added up (null figures, e.g. no app attached, stay out of the sums and are counted). */
export interface BatchTotals {
  caps: number;
  failed: number;
  capYears: number;
  doses: { true: number; recorded: number; uncertain: number; undated: number; missed: number; extra: number };
  records: { written: number; synced: number; lost: number; corrupt: number };
  gaps: Record<string, number>;
  signals: Record<string, number>;
  boots: number;
  errors: number;
  warnings: number;
}

export function totals(results: CapResult[]): BatchTotals {
  const t: BatchTotals = {
    caps: results.length,
    failed: 0,
    capYears: 0,
    doses: { true: 0, recorded: 0, uncertain: 0, undated: 0, missed: 0, extra: 0 },
    records: { written: 0, synced: 0, lost: 0, corrupt: 0 },
    gaps: {},
    signals: {},
    boots: 0,
    errors: 0,
    warnings: 0,
  };
  for (const r of results) {
    const s = r.summary;
    if (!s) {
      t.failed++;
      continue;
    }
    t.capYears += s.simulatedDays / 365.25;
    for (const k of ["true", "recorded", "uncertain", "undated", "missed", "extra"] as const) t.doses[k] += s.doses[k] ?? 0;
    for (const k of ["written", "synced", "lost", "corrupt"] as const) t.records[k] += s.records[k] ?? 0;
    for (const [k, v] of Object.entries(s.records.gaps ?? {})) t.gaps[k] = (t.gaps[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.signals)) t.signals[k] = (t.signals[k] ?? 0) + v;
    t.boots += s.boots.count;
    t.errors += s.errors.length;
    t.warnings += s.warnings.length;
  }
  return t;
}
