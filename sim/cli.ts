// npm run sim [-- FILE...] [--seeds LIST] [--repeat K] [--jobs N] [--json] [--quiet] [--strict] [--no-hang-guard] [--bundle FILE.js] [--export OUT.json]
// Runs a scenario (default sim/scenarios/default.json) on dist/firmware.js in virtual time. Prints a timeline
// and a summary; with --json the summary is one JSON object on stdout and everything else goes to stderr.
// Several files or seeds: every (file × seed) is one cap, run on a pool of worker threads (sim/batch.ts), with
// one line per cap and one summary of them all.
// --export writes what the simulated app synced as a pencap-export document (docs/export-format.md), the file
// the web app and the CLI (`pencap export/report --in`) read.
import { readFileSync, writeFileSync } from "node:fs";
import { defaultWorkers, repeatScenario, runCaps, totals, type CapJob, type CapResult } from "./batch.js";
import { integrationFor } from "./integration.js";
import { runScenario } from "./runner.js";
import type { SimApp } from "./app.js";
import { toJSON } from "../client/export.js";
import { ScenarioRunError, type Summary, type TimelineEntry } from "./runner.js";
import { formatTime, ScenarioValidationError, validateScenario } from "./scenario.js";

function usage(why?: string): never {
  if (why) process.stderr.write(`sim: ${why}\n`);
  process.stderr.write(
    "usage: npm run sim -- [FILE.json ...] [--seeds 1-8|1,5,9] [--repeat K] [--jobs N] [--json] [--quiet] [--strict] [--no-hang-guard] [--bundle FILE.js] [--export OUT.json]\n",
  );
  process.exit(2);
}

/** "1-8", "3", "1,5,9" or a mix ("1-4,10") → seeds. */
function parseSeeds(v: string): number[] | null {
  const out: number[] = [];
  for (const part of v.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 100_000) return null;
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out.length ? out : null;
}

async function main(): Promise<number> {
  // Espruino's Date works in UTC unless E.setTimeZone is called; keep the host's zone out of the firmware.
  process.env.TZ = "UTC";
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const quiet = args.includes("--quiet");
  const strict = args.includes("--strict");
  // The hang guard (sim/hang-guard.ts) is on unless turned off: a callback that never returns is reported.
  const hangGuard = !args.includes("--no-hang-guard");
  // Options with a value.
  const valued: Record<string, string | undefined> = {};
  let rest = args;
  for (const name of ["--bundle", "--seeds", "--repeat", "--jobs", "--export"]) {
    const i = rest.indexOf(name);
    if (i < 0) continue;
    if (i + 1 >= rest.length || rest[i + 1].startsWith("--")) usage(`${name} needs a value`);
    valued[name] = rest[i + 1];
    rest = rest.filter((_, k) => k !== i && k !== i + 1);
  }
  const bundlePath = valued["--bundle"];
  const exportPath = valued["--export"];
  const files = rest.filter((a) => !a.startsWith("--"));
  const unknown = rest.filter((a) => a.startsWith("--") && !["--json", "--quiet", "--strict", "--no-hang-guard"].includes(a));
  if (unknown.length) usage(`unknown option ${unknown[0]}`);
  const seeds = valued["--seeds"] === undefined ? null : parseSeeds(valued["--seeds"]);
  if (valued["--seeds"] !== undefined && !seeds) usage(`--seeds "${valued["--seeds"]}": give seeds as 1-8, 3 or 1,5,9`);
  const repeat = valued["--repeat"] === undefined ? 1 : Number(valued["--repeat"]);
  if (!Number.isInteger(repeat) || repeat < 1) usage(`--repeat "${valued["--repeat"]}": a whole number >= 1`);
  const jobs = valued["--jobs"] === undefined ? defaultWorkers() : Number(valued["--jobs"]);
  if (!Number.isInteger(jobs) || jobs < 1) usage(`--jobs "${valued["--jobs"]}": a whole number >= 1`);
  if (files.length > 1 || (seeds && seeds.length > 1)) {
    if (exportPath) usage("--export takes one cap: one file and at most one seed");
    return batch(files, seeds ?? [], { repeat, jobs, json, strict, hangGuard, bundlePath });
  }
  let bundle: string | undefined;
  if (bundlePath) {
    try {
      bundle = readFileSync(bundlePath, "utf8");
    } catch (e) {
      process.stderr.write(`${bundlePath}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 2;
    }
  }
  const file = files[0] ?? DEFAULT_FILE;

  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    process.stderr.write(`${file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  let sc;
  try {
    sc = validateScenario(raw, file);
    if (seeds) sc = { ...sc, seed: seeds[0] };
    sc = repeatScenario(sc, repeat);
  } catch (e) {
    if (e instanceof ScenarioValidationError) {
      process.stderr.write(e.message + "\n");
      return 2;
    }
    throw e;
  }

  const out = (s: string) => (json ? process.stderr : process.stdout).write(s + "\n");
  const isTty = process.stderr.isTTY;
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown && isTty) process.stderr.write("\r\x1b[K");
    progressShown = false;
  };
  const startMs = sc.start ? Date.parse(sc.start) : null;
  const stamp = (t: number) => (startMs !== null ? new Date(startMs + t * 1000).toISOString().replace("T", " ").slice(0, 23) : formatTime(t));
  const tags: Record<TimelineEntry["kind"], string> = { event: "scenario", console: "console ", pins: "pins    ", error: "ERROR   ", device: "device  ", app: "app     ", warning: "WARNING " };
  const onTimeline = (e: TimelineEntry) => {
    if (quiet && e.kind !== "error" && e.kind !== "warning") return;
    clearProgress();
    out(`${stamp(e.t)}  ${tags[e.kind].padEnd(8)}  ${e.text}`);
  };
  let lastDay = -1;
  const t0 = Date.now();
  const onProgress = (t: number, duration: number) => {
    const day = Math.min(Math.floor(t / 86400), Math.ceil(duration / 86400) - 1);
    if (isTty) {
      clearProgress();
      process.stderr.write(`  simulating ${formatTime(t)} / ${formatTime(duration)} (${((100 * t) / duration).toFixed(0)}%)`);
      progressShown = true;
    } else if (day !== lastDay) {
      lastDay = day;
      process.stderr.write(`[progress] day ${day + 1} of ${Math.ceil(duration / 86400)}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  };

  let summary: Summary;
  try {
    // As runIntegrated, keeping a handle on the app so its store can be exported.
    const integration = integrationFor(sc);
    let app: SimApp | undefined;
    summary = await runScenario(sc, {
      file,
      bundle,
      hangGuard,
      onTimeline,
      onProgress,
      nrf: integration.nrf,
      app: integration.app ? (d) => (app = integration.app!(d) as SimApp) : null,
      energy: integration.energy ? integration.energy() : null,
    });
    if (exportPath) {
      const store = app?.records();
      if (!store) {
        process.stderr.write(`--export: the scenario's app never connected to the cap; nothing to export\n`);
        return 1;
      }
      const start = Date.parse(sc.start ?? "2026-01-01T00:00:00Z");
      const end = new Date(start + summary.simulatedDays * 86400000);
      writeFileSync(exportPath, toJSON(store, { source: "sim", now: end, meta: { scenario: summary.scenario, file, start: new Date(start).toISOString(), summary } }) + "\n");
      process.stderr.write(`exported ${store.records.size} records of cap ${store.serial} to ${exportPath}\n`);
    }
  } catch (e) {
    clearProgress();
    if (e instanceof ScenarioRunError) {
      process.stderr.write(e.message + "\n");
      return 1;
    }
    throw e;
  }
  clearProgress();
  const wall = (Date.now() - t0) / 1000;
  if (json) {
    process.stdout.write(JSON.stringify(summary) + "\n");
  } else {
    const n = (v: number | null) => (v === null ? "unknown (no app attached)" : String(v));
    out("");
    out(`Summary: ${summary.scenario} on ${summary.board}, ${summary.simulatedDays} simulated days in ${wall.toFixed(1)} s`);
    out(
      `  doses      true ${summary.doses.true}, recorded ${n(summary.doses.recorded)}, uncertain ${n(summary.doses.uncertain)}, undated ${n(summary.doses.undated)}, missed ${n(summary.doses.missed)}, extra ${n(summary.doses.extra)}`,
    );
    out(`  records    written ${n(summary.records.written)}, synced ${n(summary.records.synced)}, lost ${n(summary.records.lost)}, corrupt ${n(summary.records.corrupt)}`);
    if (summary.records.gaps) out(`  gaps       ${formatCounts(summary.records.gaps)} (seqs the app does not hold, by class)`);
    out(`  flash      ${summary.flash.pages} pages, max erase count ${summary.flash.maxEraseCount}, ${summary.flash.wordWrites} word writes, ${summary.flash.erases} erases`);
    out(
      `  battery    ${summary.battery.averageCurrentMicroamps === null ? "unknown (no energy model attached)" : `${summary.battery.averageCurrentMicroamps.toFixed(1)} µA average, ${summary.battery.monthsOnCR2032} months on a CR2032`}`,
    );
    out(`  signals    ${formatCounts(summary.signals) || "none"}`);
    out(`  boots      ${summary.boots.count} (${Object.entries(summary.boots.reasons).map(([k, v]) => `${k} ${v}`).join(", ")})${summary.boots.brownOuts ? `, ${summary.boots.brownOuts} BROWN-OUT reset(s)` : ""}${summary.boots.storageResets ? `, Storage found corrupt and erased ${summary.boots.storageResets} time(s)` : ""}`);
    out(`  errors     ${summary.errors.length}${summary.errors.length ? "" : " uncaught"}`);
    for (const e of summary.errors.slice(0, 20)) out(`    ${e.time} ${e.where}: ${e.message}${e.handled ? " (handled by the firmware)" : ""}`);
    if (summary.warnings.length) out(`  warnings   ${summary.warnings.length}`);
    for (const w of summary.warnings.slice(0, 10)) out(`    ${w}`);
  }
  if (strict && badCount(summary) > 0) return 1;
  return 0;
}

const DEFAULT_FILE = "sim/scenarios/default.json";

function badCount(s: Summary): number {
  return (s.doses.missed ?? 0) + (s.doses.extra ?? 0) + (s.records.lost ?? 0) + (s.records.corrupt ?? 0) + s.errors.length;
}

function formatCounts(c: Record<string, number>): string {
  return Object.entries(c)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

/** Many caps on worker threads: a line per cap (stderr with --json), then one summary. */
async function batch(
  files: string[],
  seeds: number[],
  o: { repeat: number; jobs: number; json: boolean; strict: boolean; hangGuard: boolean; bundlePath?: string },
): Promise<number> {
  const jobs: CapJob[] = [];
  for (const file of files.length ? files : [DEFAULT_FILE]) {
    for (const seed of seeds.length ? seeds : [undefined]) jobs.push({ file, seed, repeat: o.repeat, hangGuard: o.hangGuard, bundlePath: o.bundlePath });
  }
  const out = (s: string) => (o.json ? process.stderr : process.stdout).write(s + "\n");
  const workers = Math.min(o.jobs, jobs.length);
  out(`${jobs.length} caps on ${workers} worker thread(s)`);
  const t0 = performance.now();
  const results = await runCaps(jobs, {
    workers,
    onResult: (r: CapResult) => {
      const name = `${r.job.file}${r.job.seed !== undefined ? ` seed ${r.job.seed}` : ""}`;
      const s = r.summary;
      if (!s) out(`  ${name}: FAILED: ${r.error}`);
      else
        out(
          `  ${name}: ${s.simulatedDays} d in ${r.seconds.toFixed(1)} s; doses true ${s.doses.true}, missed ${s.doses.missed ?? "?"}, extra ${s.doses.extra ?? "?"}; records lost ${s.records.lost ?? "?"}, corrupt ${s.records.corrupt ?? "?"}; errors ${s.errors.length}`,
        );
    },
  });
  const wall = (performance.now() - t0) / 1000;
  const t = totals(results);
  const perMinute = wall > 0 ? (t.capYears * 60) / wall : 0;
  if (o.json) {
    process.stdout.write(
      JSON.stringify({
        caps: results.map((r) => ({ file: r.job.file, seed: r.job.seed ?? null, repeat: r.job.repeat ?? 1, seconds: r.seconds, error: r.error, summary: r.summary })),
        totals: t,
        workers,
        wallSeconds: wall,
        capYearsPerMinute: perMinute,
      }) + "\n",
    );
  } else {
    out("");
    out(`Summary: ${t.caps} caps (${t.failed} failed), ${t.capYears.toFixed(2)} cap-years in ${wall.toFixed(1)} s on ${workers} worker(s): ${perMinute.toFixed(1)} cap-years per minute`);
    out(`  doses      true ${t.doses.true}, recorded ${t.doses.recorded}, uncertain ${t.doses.uncertain}, undated ${t.doses.undated}, missed ${t.doses.missed}, extra ${t.doses.extra}`);
    out(`  records    written ${t.records.written}, synced ${t.records.synced}, lost ${t.records.lost}, corrupt ${t.records.corrupt}`);
    out(`  gaps       ${formatCounts(t.gaps) || "none"}`);
    out(`  signals    ${formatCounts(t.signals) || "none"}`);
    out(`  boots      ${t.boots}; errors ${t.errors}; warnings ${t.warnings}`);
  }
  if (t.failed) return 1;
  if (o.strict && results.some((r) => r.summary && badCount(r.summary) > 0)) return 1;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`sim: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
