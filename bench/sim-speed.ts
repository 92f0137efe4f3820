// How fast the simulator runs the cap: CPU seconds per simulated cap-year (one thread, hang guard on and off),
// and the throughput of `npm run sim` over many caps on every core (cap-years of the default pattern per
// minute of wall time). A benchmark: it prints figures, it asserts nothing.
import { readFileSync } from "node:fs";
import { defaultWorkers, repeatScenario, runCaps, totals } from "../sim/batch.js";
import { runIntegrated } from "../sim/integration.js";
import { validateScenario } from "../sim/scenario.js";

export const DEFAULT_SCENARIO = "sim/scenarios/default.json";
/** The default two weeks × 26 = 364 days: "a year of the default pattern". */
export const YEAR_REPEAT = 26;

export interface SimSpeed {
  /** CPU seconds (user + system, this process) for one cap-year on one thread. */
  cpuSecondsGuarded: number;
  cpuSecondsUnguarded: number;
  /** Wall seconds for the same runs. */
  wallSecondsGuarded: number;
  wallSecondsUnguarded: number;
  batch: { caps: number; workers: number; capYears: number; wallSeconds: number; capYearsPerMinute: number; failed: number };
}

async function oneYear(bundle: string, hangGuard: boolean): Promise<{ cpu: number; wall: number }> {
  const sc = repeatScenario(validateScenario(JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8")), DEFAULT_SCENARIO), YEAR_REPEAT);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const s = await runIntegrated(sc, { bundle, hangGuard, file: DEFAULT_SCENARIO });
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  if (s.errors.length) throw new Error(`the year run reported ${s.errors.length} error(s): ${s.errors[0].message}`);
  return { cpu: (c.user + c.system) / 1e6, wall };
}

export async function simSpeedBench(bundlePath: string, opts: { caps?: number; workers?: number } = {}): Promise<SimSpeed> {
  const bundle = readFileSync(bundlePath, "utf8");
  // Two weeks first, so that neither timed year pays for compiling the simulator's own code (the first one
  // did: it made the guard look ~25 % dearer than it is).
  await runIntegrated(validateScenario(JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8")), DEFAULT_SCENARIO), { bundle, hangGuard: true, file: DEFAULT_SCENARIO });
  const g = await oneYear(bundle, true);
  const u = await oneYear(bundle, false);
  const workers = opts.workers ?? defaultWorkers();
  const caps = opts.caps ?? 2 * workers;
  const jobs = Array.from({ length: caps }, (_, i) => ({ file: DEFAULT_SCENARIO, seed: i + 1, repeat: YEAR_REPEAT, bundlePath }));
  const t0 = performance.now();
  const results = await runCaps(jobs, { workers });
  const wall = (performance.now() - t0) / 1000;
  const t = totals(results);
  return {
    cpuSecondsGuarded: g.cpu,
    cpuSecondsUnguarded: u.cpu,
    wallSecondsGuarded: g.wall,
    wallSecondsUnguarded: u.wall,
    batch: { caps, workers, capYears: t.capYears, wallSeconds: wall, capYearsPerMinute: (t.capYears * 60) / wall, failed: t.failed },
  };
}
