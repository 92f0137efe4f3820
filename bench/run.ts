// `npm run bench`: every figure the project reports, in one run, each labelled with its unit.
// Sections other modules own are imported dynamically (bench/log.ts: logBench(), bench/sync.ts:
// syncBench()); a missing one prints "not available yet". Nothing here is ever estimated to fill a gap.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { choiceCosts, typicalDayReport } from "../sim/energy/report.js";
import { CR2032_MAH } from "../sim/energy/model.js";
import { NORMAL_PLAN, SAFE_PLAN } from "../firmware/power/plan.js";

type Figures = Record<string, number | string>;

function heading(title: string): void {
  console.log(`\n## ${title}`);
}
function row(label: string, value: number | string, unit = ""): void {
  const v = typeof value === "number" ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : value;
  console.log(`  ${label}: ${v}${unit ? " " + unit : ""}`);
}

/** Imports bench/<file>.ts and calls its exported function; null when the module or function is absent. */
async function pluggedSection(file: string, fn: string): Promise<Figures | null | Error> {
  const path = resolve("bench", file);
  if (!existsSync(path)) return null;
  try {
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const f = mod[fn];
    if (typeof f !== "function") return null;
    return (await (f as () => Figures | Promise<Figures>)()) ?? null;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

function printPlugged(title: string, file: string, fn: string, figures: Figures | null | Error): void {
  heading(title);
  if (figures === null) return row("status", `not available yet (bench/${file} with export ${fn}() is not there)`);
  if (figures instanceof Error) return row("status", `FAILED: ${figures.message}`);
  for (const [k, v] of Object.entries(figures)) row(k, v);
}

function bundleSection(): void {
  heading("bundle");
  const p = "dist/firmware.js";
  if (!existsSync(p)) return row("dist/firmware.js", "not available: not built");
  row("dist/firmware.js size", statSync(p).size, "bytes");
}

function energySection(): void {
  heading("energy: typical day (4 doses, 1 sync of 20 records, plan in firmware/power/plan.ts; model sim/energy/model.ts)");
  for (const [label, plan, board] of [
    ["cap board MDBT42Q, normal plan", NORMAL_PLAN, "MDBT42Q"],
    ["cap board MDBT42Q, safe mode", SAFE_PLAN, "MDBT42Q"],
    ["Puck.js dev kit (magnetometer), normal plan", NORMAL_PLAN, "PUCKJS"],
  ] as const) {
    const r = typicalDayReport(plan, board);
    row(`${label}: average current`, r.averageCurrentMicroamps, "uA");
    row(`${label}: battery life on ${CR2032_MAH} mAh CR2032`, r.monthsOnCR2032, "months");
    row(`${label}: battery life derated 15 %`, r.monthsOnCR2032 * 0.85, "months");
    const parts = Object.entries(r.byActivity)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${((v * 3600) / r.seconds).toFixed(3)}`)
      .join(", ");
    row(`${label}: by activity`, parts, "(uA each)");
  }
  heading("energy: cost of each firmware choice (cap board, typical day, one change at a time)");
  for (const c of choiceCosts(NORMAL_PLAN)) {
    row(c.choice, `${c.averageCurrentMicroamps.toFixed(2)} uA (${c.deltaMicroamps >= 0 ? "+" : ""}${c.deltaMicroamps.toFixed(2)} uA), ${c.monthsOnCR2032.toFixed(1)} months`);
  }
  heading("energy: default scenario");
  row("status", "not available yet: the simulator's default scenario does not feed an EnergyMeter yet (sim/ integration)");
}

/** Memory on the real interpreter: runs dist/firmware.js on $ESPRUINO_BIN and reads process.memory().
 *  Hook for the lead: MEMORY_PRELUDE (a file run before the bundle, e.g. one that fills the log) makes
 *  this the "after boot with a full log" figure; without it the figure is labelled as an empty log. */
function memorySection(): void {
  heading("memory (JS variables, real interpreter)");
  const bin = process.env.ESPRUINO_BIN;
  if (!bin) return row("variables used after boot", "not measured: ESPRUINO_BIN not set");
  if (!existsSync("dist/firmware.js")) return row("variables used after boot", "not measured: dist/firmware.js missing");
  const dir = mkdtempSync(join(tmpdir(), "bench-mem-"));
  const prelude = process.env.MEMORY_PRELUDE ? readFileSync(process.env.MEMORY_PRELUDE, "utf8") : "";
  const probe = '\nsetTimeout(function(){var m=process.memory();print("MEM:"+JSON.stringify({usage:m.usage,total:m.total}));},500);\n';
  const file = join(dir, "mem.js");
  writeFileSync(file, prelude + "\n" + readFileSync("dist/firmware.js", "utf8") + probe);
  try {
    // the host build exits when stdin closes: hold it open 3 s so the timers after boot run
    const out = execFileSync("sh", ["-c", 'sleep 3 | timeout 30 "$0" "$1"', bin, file], { cwd: dir, encoding: "utf8" });
    const found = /MEM:(\{[^}]*\})/.exec(out); // the REPL prompt's escape codes may precede it on the line
    if (!found) return row("variables used after boot", "not measured: the interpreter printed no MEM line");
    const m = JSON.parse(found[1]) as { usage: number; total: number };
    const what = prelude ? "after boot with the prelude's log" : "after boot, EMPTY log (no MEMORY_PRELUDE: full-log figure not measured)";
    row(`variables used ${what}`, m.usage, "variables");
    row("variables available on this build", m.total, "variables");
    row("MDBT42Q budget", 2950, "variables");
  } catch (e) {
    row("variables used after boot", `not measured: ${(e as Error).message.split("\n")[0]}`);
  }
}

async function main(): Promise<void> {
  console.log("pencap bench");
  bundleSection();
  printPlugged("log (flash)", "log.ts", "logBench", await pluggedSection("log.ts", "logBench"));
  printPlugged("sync (BLE)", "sync.ts", "syncBench", await pluggedSection("sync.ts", "syncBench"));
  energySection();
  memorySection();
}

await main();
