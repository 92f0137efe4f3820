// npm run sim [-- FILE] [--json] [--quiet] [--strict] [--no-hang-guard] [--bundle FILE.js] [--export OUT.json]
// Runs a scenario (default sim/scenarios/default.json) on dist/firmware.js in virtual time. Prints a timeline
// and a summary; with --json the summary is one JSON object on stdout and everything else goes to stderr.
// --export writes what the simulated app synced as a pencap-export document (docs/export-format.md), the file
// the web app and the CLI (`pencap export/report --in`) read.
import { readFileSync, writeFileSync } from "node:fs";
import { integrationFor } from "./integration.js";
import { runScenario } from "./runner.js";
import type { SimApp } from "./app.js";
import { toJSON } from "../client/export.js";
import { ScenarioRunError, type Summary, type TimelineEntry } from "./runner.js";
import { formatTime, ScenarioValidationError, validateScenario } from "./scenario.js";

function usage(): never {
  process.stderr.write("usage: npm run sim -- [FILE.json] [--json] [--quiet] [--strict] [--no-hang-guard] [--bundle FILE.js] [--export OUT.json]\n");
  process.exit(2);
}

async function main(): Promise<number> {
  // Espruino's Date works in UTC unless E.setTimeZone is called; keep the host's zone out of the firmware.
  process.env.TZ = "UTC";
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const quiet = args.includes("--quiet");
  const strict = args.includes("--strict");
  // A firmware callback that runs for 5 s of host time is a hang (a real one would trip the watchdog).
  const hangGuardMs = args.includes("--no-hang-guard") ? 0 : 5000;
  const valued = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return { i, v: undefined };
    if (!args[i + 1] || args[i + 1].startsWith("--")) usage();
    return { i, v: args[i + 1] };
  };
  const { i: bi, v: bundlePath } = valued("--bundle");
  const { i: ei, v: exportPath } = valued("--export");
  const rest = args.filter((_, i) => !(bi >= 0 && (i === bi || i === bi + 1)) && !(ei >= 0 && (i === ei || i === ei + 1)));
  const files = rest.filter((a) => !a.startsWith("--"));
  if (rest.some((a) => a.startsWith("--") && !["--json", "--quiet", "--strict", "--no-hang-guard"].includes(a)) || files.length > 1) usage();
  let bundle: string | undefined;
  if (bundlePath) {
    try {
      bundle = readFileSync(bundlePath, "utf8");
    } catch (e) {
      process.stderr.write(`${bundlePath}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 2;
    }
  }
  const file = files[0] ?? "sim/scenarios/default.json";

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
  // What the cap showed, counted from the timeline's pins lines (sim/runner.ts PinPatterns).
  const shown = { blink: 0, doubleDose: 0, leftOff: 0, other: 0 };
  const onTimeline = (e: TimelineEntry) => {
    if (e.kind === "pins") {
      if (e.text.startsWith("blink code")) shown.blink++;
      else if (e.text.startsWith("DOUBLE-DOSE WARNING")) shown.doubleDose++;
      else if (e.text.startsWith("CAP LEFT OFF")) shown.leftOff++;
      else shown.other++;
    }
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
      hangGuardMs,
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
    out(`  doses      true ${summary.doses.true}, recorded ${n(summary.doses.recorded)}, missed ${n(summary.doses.missed)}, extra ${n(summary.doses.extra)}`);
    out(`  records    written ${n(summary.records.written)}, synced ${n(summary.records.synced)}, lost ${n(summary.records.lost)}, corrupt ${n(summary.records.corrupt)}`);
    out(`  flash      ${summary.flash.pages} pages, max erase count ${summary.flash.maxEraseCount}, ${summary.flash.wordWrites} word writes, ${summary.flash.erases} erases`);
    out(
      `  battery    ${summary.battery.averageCurrentMicroamps === null ? "unknown (no energy model attached)" : `${summary.battery.averageCurrentMicroamps.toFixed(1)} µA average, ${summary.battery.monthsOnCR2032} months on a CR2032`}`,
    );
    out(`  signals    ${shown.blink} blink code(s), ${shown.doubleDose} double-dose warning(s), ${shown.leftOff} cap-left-off alert(s)${shown.other ? `, ${shown.other} other LED/buzzer pattern(s)` : ""}`);
    out(`  boots      ${summary.boots.count} (${Object.entries(summary.boots.reasons).map(([k, v]) => `${k} ${v}`).join(", ")})`);
    out(`  errors     ${summary.errors.length}${summary.errors.length ? "" : " uncaught"}`);
    for (const e of summary.errors.slice(0, 20)) out(`    ${e.time} ${e.where}: ${e.message}${e.handled ? " (handled by the firmware)" : ""}`);
    if (summary.warnings.length) out(`  warnings   ${summary.warnings.length}`);
    for (const w of summary.warnings.slice(0, 10)) out(`    ${w}`);
  }
  if (strict) {
    const bad = (summary.doses.missed ?? 0) + (summary.doses.extra ?? 0) + (summary.records.lost ?? 0) + (summary.records.corrupt ?? 0) + summary.errors.length;
    if (bad > 0) return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`sim: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
