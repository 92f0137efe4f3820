// `npm run bench [-- --json]`: every figure the project reports, in one run, each labelled with its unit.
// Every figure comes from a run made here (the NOR flash model, the simulator running dist/firmware.js, the
// energy meter, the real interpreter); a figure that could not be measured prints "not measured: <why>".
// Nothing is estimated to fill a gap. docs/benchmarks.md explains each figure and how to reproduce it.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readFileSync } from "node:fs";
import { choiceCosts, typicalDayReport } from "../sim/energy/report.js";
import { CR2032_MAH } from "../sim/energy/model.js";
import { NORMAL_PLAN, SAFE_PLAN } from "../firmware/power/plan.js";
import { logBench, measure } from "./log.js";
import { boardLogBench } from "./board-log.js";
import { simSyncBench } from "./sim-sync.js";
import { scenarioEnergy } from "./scenario-energy.js";
import { fillLogScript } from "./prelude.js";
import { deviceMemoryBench } from "./memory.js";
import { bundleFunctions } from "./memory-map.js";
import measured from "../boards/measured.json";
import { simSpeedBench, YEAR_REPEAT } from "./sim-speed.js";

type Value = number | string;
interface Row {
  label: string;
  value: Value;
  unit: string;
}
interface Section {
  title: string;
  rows: Row[];
}

const sections: Section[] = [];
let cur: Section;

function section(title: string): void {
  cur = { title, rows: [] };
  sections.push(cur);
}
function row(label: string, value: Value, unit = ""): void {
  cur.rows.push({ label, value, unit });
}
function notMeasured(label: string, why: string): void {
  row(label, `not measured: ${why}`);
}
function errText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}
function fmt(v: Value): string {
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) < 0.1 ? v.toFixed(4) : v.toFixed(2);
}

const BUNDLE = "dist/firmware.js";

function bundleSection(): void {
  section("bundle");
  if (!existsSync(BUNDLE)) return notMeasured("dist/firmware.js size", "not built");
  row("dist/firmware.js size", statSync(BUNDLE).size, "bytes");
  // RAM on the cap is mostly functions (docs/benchmarks.md §5): their count, on any machine.
  const f = bundleFunctions(readFileSync(BUNDLE, "utf8"));
  row("functions in the bundle: at top level (alive for good) / nested (alive while their parent's scope is)", `${f.topLevel} / ${f.nested}`);
  row("parameters of those functions (each a variable on the cap while its function exists)", f.parameters);
  row("MDBT42Q / Puck.js / cap build Storage area (10 pages of 4096)", 40960, "bytes");
}

function interpreterSection(): void {
  const m = measured;
  section(`interpreter builds (boards/measured.json: Espruino ${m.espruino.tag} ${m.espruino.commit}, ${m.compiler}, ${m.date}; scripts/espruino/build-cap.sh)`);
  for (const [name, b] of Object.entries(m.boards)) {
    const label = name === "PENCAP" ? "PENCAP (the cap's build, boards/PENCAP.py)" : `${name} (stock)`;
    row(`${label}: code end`, b.codeEnd);
    row(`${label}: ${b.overlapBytes > 0 ? "code overlapping Storage" : "bytes free before Storage"}`, b.overlapBytes > 0 ? b.overlapBytes : b.freeBytesBeforeStorage, "bytes");
    row(`${label}: Flash.getFree()`, b.freePages, "pages");
    row(`${label}: JS variables`, b.variables, "variables");
  }
}

async function logSection(): Promise<void> {
  section("log per board: dist/firmware.js flashed (.bootcde) on the simulator's board profiles (sim/boards.ts, free pages from boards/measured.json), log filled through the firmware's DoseLog until the ring wrapped, then a reboot");
  let boards: Awaited<ReturnType<typeof boardLogBench>> = [];
  if (!existsSync(BUNDLE)) notMeasured("per-board log", "dist/firmware.js not built");
  else {
    try {
      boards = await boardLogBench(BUNDLE);
    } catch (e) {
      notMeasured("per-board log", errText(e));
    }
  }
  for (const b of boards) {
    const p = `${b.board} (Flash.getFree() ${b.freePages} pages)`;
    row(`${p}: free pages`, b.freePages, "pages");
    row(`${p}: records always kept`, b.capacity, "records");
    row(`${p}: Storage free after flashing the bundle (and the first boot)`, b.storageFree, "bytes");
    if (b.failure) {
      row(`${p}: store`, b.failure);
      continue;
    }
    row(`${p}: store`, `${b.store}, ${b.pageCount} pages of ${b.pageSize} bytes`);
    row(`${p}: records per page`, b.recordsPerPage, "records");
    row(`${p}: capacity, at most`, b.capacityMax, "records");
    row(`${p}: records after the boot over the full log`, b.recordsAfterBoot, "records");
    row(`${p}: firmware boot over the full log, bytes read`, b.bootBytesRead, "bytes");
    row(`${p}: firmware boot over the full log, flash words written`, b.bootWordsWritten, "words");
    row(`${p}: firmware boot over the full log, page erases`, b.bootErases, "erases");
  }
  section("log costs: DoseLog + FlashStore on the NOR flash model, each board's page geometry, steady state (ring full, 20 turns)");
  const geometries = boards.length ? boards.filter((b) => !b.failure).map((b) => [b.board, b.pageSize, b.pageCount] as const) : logBench().map((f) => [`${f.pageCount}×${f.pageSize}`, f.pageSize, f.pageCount] as const);
  for (const [name, size, count] of geometries) {
    const f = measure(size, count, 20);
    const p = `${name}, ${count} × ${size} B`;
    row(`${p}: append, flash words written (mean over ${f.appendsInRun} appends)`, f.wordsWrittenPerAppend, "words/append");
    row(`${p}: append, bytes read (mean)`, f.bytesReadPerAppend, "bytes/append");
    row(`${p}: append, page erases (mean)`, f.erasesPerAppend, "erases/append");
    row(`${p}: mount of a full log, bytes read`, f.bootBytesRead, "bytes");
    row(`${p}: mount of a full log, words written`, f.bootWordsWritten, "words");
    row(`${p}: mount of a full log, erases`, f.bootErases, "erases");
    row(`${p}: erase count per page after the run, min`, f.eraseMin, "erases");
    row(`${p}: erase count per page after the run, max`, f.eraseMax, "erases");
    row(`${p}: erase-count spread (max − min)`, f.eraseMax - f.eraseMin, "erases");
  }
}

async function syncSection(): Promise<void> {
  section("sync (BLE): dist/firmware.js + simulated radio (sim/integration.ts CapRadio) + client/ over SimTransport; the firmware's CPU time at 0.1 and 0.25 ms/unit (sim/cpu.ts); phones A (keeps 30 ms, 4 packets/event) and B (grants 15 ms, 6/event)");
  if (!existsSync(BUNDLE)) return notMeasured("sync", "dist/firmware.js not built");
  try {
    const f = await simSyncBench(BUNDLE);
    for (const [k, v] of Object.entries(f)) {
      const m = typeof v === "string" ? /^(-?[\d.]+) (.+)$/.exec(v) : null;
      if (m && !m[2].includes("(")) row(k, Number(m[1]), m[2]);
      else row(k, v);
    }
  } catch (e) {
    notMeasured("sync", errText(e));
  }
}

async function energySection(): Promise<void> {
  section("energy: default scenario (sim/scenarios/default.json through sim/runner.ts with sim/integration.ts, as npm run sim)");
  try {
    const r = await scenarioEnergy("sim/scenarios/default.json", existsSync(BUNDLE) ? readFileSync(BUNDLE, "utf8") : undefined);
    row("scenario", `${r.scenario} on ${r.board}, ${r.simulatedDays} simulated days`);
    row("doses true / recorded by the app / uncertain", `${r.doses.true} / ${r.doses.recorded} / ${r.doses.uncertain}`, "doses");
    row("records written / synced / lost", `${r.records.written} / ${r.records.synced} / ${r.records.lost}`, "records");
    if (r.averageCurrentMicroamps === null) notMeasured("average current", "no energy meter attached");
    else row("average current", r.averageCurrentMicroamps, "uA");
    if (r.monthsOnCR2032 === null) notMeasured(`battery life on ${CR2032_MAH} mAh CR2032`, "no average current");
    else row(`battery life on ${CR2032_MAH} mAh CR2032`, r.monthsOnCR2032, "months");
    const s = r.breakdown.seconds;
    for (const [k, v] of Object.entries(r.breakdown.byActivity)) row(`by activity: ${k}`, (v * 3600) / s, "uA");
  } catch (e) {
    notMeasured("default scenario energy", errText(e));
  }

  section("energy: typical day model (sim/energy/typical-day.ts: 4 doses, 1 sync of 20 records; plan firmware/power/plan.ts)");
  for (const [label, plan, board] of [
    ["MDBT42Q, normal plan", NORMAL_PLAN, "MDBT42Q"],
    ["MDBT42Q, safe mode", SAFE_PLAN, "MDBT42Q"],
    ["Puck.js (magnetometer), normal plan", NORMAL_PLAN, "PUCKJS"],
  ] as const) {
    const r = typicalDayReport(plan, board);
    row(`${label}: average current`, r.averageCurrentMicroamps, "uA");
    row(`${label}: battery life on ${CR2032_MAH} mAh CR2032`, r.monthsOnCR2032, "months");
    for (const [k, v] of Object.entries(r.byActivity)) if (v > 0) row(`${label}: by activity: ${k}`, (v * 3600) / r.seconds, "uA");
  }
  section("energy: cost of each firmware choice (MDBT42Q typical day, one change at a time)");
  for (const c of choiceCosts(NORMAL_PLAN)) {
    row(`${c.choice}: average current`, c.averageCurrentMicroamps, "uA");
    row(`${c.choice}: battery life`, c.monthsOnCR2032, "months");
  }
}

/** Runs a file on the host build in `dir` for `holdS` seconds, then sends Ctrl-D (its exit key: a closed stdin
 *  alone can leave it running). */
function runHost(bin: string, dir: string, file: string, holdS: number): string {
  return execFileSync("sh", ["-c", `(sleep ${holdS}; printf '\\004') | timeout 30 "$0" "$1"`, bin, file], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 24 });
}

async function memorySection(): Promise<void> {
  section("memory: JS variables after boot, real interpreter (host build, BOARD=LINUX), process.memory() after GC");
  const bin = process.env.ESPRUINO_BIN;
  const label = "variables used after boot with a full log";
  if (!bin) return notMeasured(label, "ESPRUINO_BIN not set (path of a 2v29 host build)");
  if (!existsSync(bin)) return notMeasured(label, `ESPRUINO_BIN ${bin} does not exist`);
  if (!existsSync(BUNDLE)) return notMeasured(label, "dist/firmware.js not built");
  const probe =
    '\nsetTimeout(function(){var m=process.memory();print("MEM:"+JSON.stringify({usage:m.usage,total:m.total,blocksize:m.blocksize,version:process.env.VERSION,board:process.env.BOARD}));},500);\n';
  const firmware = readFileSync(BUNDLE, "utf8") + probe;
  const measure = (fill: boolean, code = firmware): { mem: { usage: number; total: number; blocksize: number; version: string; board: string }; boot: string; fill: string } => {
    // The host build keeps its flash in ./espruino.flash: a fresh temp dir is a fresh cap.
    const dir = mkdtempSync(join(tmpdir(), "bench-mem-"));
    try {
      let fillLine = "";
      if (fill) {
        writeFileSync(join(dir, "fill.js"), fillPrelude);
        const out = runHost(bin, dir, "fill.js", 2);
        fillLine = /FILL:(\{[^}]*\})/.exec(out)?.[1] ?? "";
        if (!fillLine) throw new Error("the log filler printed nothing on the host build");
      }
      writeFileSync(join(dir, "mem.js"), code);
      const out = runHost(bin, dir, "mem.js", 3);
      const found = /MEM:(\{[^}]*\})/.exec(out); // the REPL prompt's escape codes may precede it on the line
      if (!found) throw new Error("the interpreter printed no MEM line");
      return { mem: JSON.parse(found[1]), boot: /pencap: boot[^\r\n]*/.exec(out)?.[0] ?? "(no boot line)", fill: fillLine };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const fillPrelude = await fillLogScript(-1, 1764000000);
  try {
    const full = measure(true);
    const f = JSON.parse(full.fill) as { appended: number; count: number; capacity: number; pageCount: number; pageSize: number };
    row("interpreter", `${full.mem.version} host build, BOARD=${full.mem.board}, ${full.mem.blocksize}-byte variables`);
    row("log before the boot (filled through the firmware's DoseLog)", `${f.count} records in ${f.pageCount} × ${f.pageSize}-byte pages (${f.appended} appended, capacity ${f.capacity})`);
    row("firmware's boot line", full.boot);
    row(label, full.mem.usage, "variables");
    row("variables on this build", full.mem.total, "variables");
    const empty = measure(false);
    row("variables used after boot with an empty (fresh) log", empty.mem.usage, "variables");
    // Context for the upper bound: the interpreter alone, and the bundle's text held once (as the body of a
    // function that is never called: parsed, stored, not run). On the host build code lives in variables.
    const bare = measure(false, probe);
    row("variables used by the bare interpreter (nothing loaded)", bare.mem.usage, "variables");
    const text = measure(false, "function bundleText(){\n" + readFileSync(BUNDLE, "utf8") + "\n}\n" + probe);
    row("variables holding the bundle's text once (host build: code in RAM)", text.mem.usage - bare.mem.usage, "variables");
    row("MDBT42Q total (2v29)", 2950, "variables");
    row("share of the MDBT42Q total (host build, code in RAM, no radio: not the cap's figure, see \"memory, device-like\")", `${((100 * full.mem.usage) / 2950).toFixed(0)} %`);
  } catch (e) {
    notMeasured(label, errText(e));
  }
}

async function deviceMemorySection(): Promise<void> {
  section("memory, device-like: code in flash (.bootcde booted from Storage), 2,950 variables of 13 bytes (2v29 Linux build, -m32, VARIABLES=2950), process.memory() after GC");
  const bin = process.env.ESPRUINO32_BIN;
  const label = "variables used after boot with a full log";
  if (!bin) return notMeasured(label, "ESPRUINO32_BIN not set (a 2v29 Linux build with -m32 and VARIABLES=2950, docs/benchmarks.md §5)");
  if (!existsSync(bin)) return notMeasured(label, `ESPRUINO32_BIN ${bin} does not exist`);
  if (!existsSync(BUNDLE)) return notMeasured(label, "dist/firmware.js not built");
  try {
    const m = await deviceMemoryBench(bin, BUNDLE, process.env.ESPRUINO32_ROOMY_BIN);
    if (m.total !== 2950 || m.blocksize !== 13) return notMeasured(label, `ESPRUINO32_BIN has ${m.total} variables of ${m.blocksize} bytes, not the MDBT42Q's 2950 of 13`);
    row("interpreter", `${m.version}, BOARD=${m.board}, ${m.total} variables of ${m.blocksize} bytes`);
    row("boot code as the interpreter holds it (Storage string of .bootcde)", m.bootcdeString, "variables");
    row("log before the boot (filled through the firmware's DoseLog, filler run from Storage)", `${m.fill.count} records in ${m.fill.pageCount} × ${m.fill.pageSize}-byte pages (${m.fill.appended} appended, capacity ${m.fill.capacity})`);
    row("firmware's boot line", m.bootLine);
    for (const [s, u] of m.full) row(`${label}, ${s} s after the boot line`, u, "variables");
    for (const [s, u] of m.empty) row(`variables used after boot with an empty (fresh) log, ${s} s after the boot line`, u, "variables");
    row("variables used by the bare interpreter (no .bootcde, same probe)", m.bare, "variables");
    const worst = Math.max(...m.full.map((x) => x[1]));
    row("free after boot with a full log (worst probe)", m.total - worst, "variables");
    row("share of the MDBT42Q's 2,950 (worst probe)", `${((100 * worst) / 2950).toFixed(1)} %`);
    // The LINUX profile has no radio: the same boot with the firmware's BLE engine started against a stub NRF
    // that keeps what 2v29 keeps (bench/memory.ts NRF_STUB).
    const b = m.ble;
    row("with BLE started (LINUX profile's ble turned on, NRF stub): boot", b.bootLine ?? `did not finish: ${b.outOfMemory ?? "no boot line"}`);
    for (const [s, u] of b.usage) row(`with BLE started: variables in use ${s} s after ${b.bootLine ? "the boot line" : "the failure"}`, u, "variables");
    row("the NRF stub alone (its own cost, included above)", b.stubAlone - m.bare, "variables");
    const stub = b.stubAlone - m.bare;
    const bleWorst = Math.max(...b.usage.map((x) => x[1]));
    row("with BLE started, less the NRF stub's own cost: share of 2,950", `${((100 * (bleWorst - stub)) / 2950).toFixed(1)} %`);
    if (m.map) {
      // E.dumpVariables() after the BLE boot, summed by kind (bench/memory-map.ts; counts garbage not yet collected too).
      const mm = m.map;
      row("after the BLE boot, where the variables go: live functions", `${mm.functions} functions (${mm.parameters} parameters) hold ${mm.functionVars} variables (${((100 * mm.functionVars) / mm.total).toFixed(0)} %)`);
      row("after the BLE boot: scopes kept by closures", `${mm.scopes} scopes hold ${mm.scopeVars} variables`);
      row("after the BLE boot: other names (globals, properties, array indices)", mm.otherNames, "variables");
      row("after the BLE boot: objects and arrays / strings / numbers and the rest", `${mm.objects} / ${mm.strings} / ${mm.other}`, "variables");
    }
    // A bonded phone syncs every record with 240-byte notifications (bench/memory.ts SYNC_DRIVER).
    const sy = m.sync;
    if (sy.peak === null) row("full sync after the BLE boot", `did not finish: ${sy.outOfMemory}`);
    else {
      row(`full sync after the BLE boot: packets sent (RACP response code ${sy.response})`, sy.packets, "packets");
      row("full sync: highest variables in use at a packet sent", sy.peak, "variables");
      row("full sync: free at that peak", m.total - sy.peak, "variables");
      row("full sync, less the NRF stub's own cost: share of 2,950 at the peak", `${((100 * (sy.peak - stub)) / 2950).toFixed(1)} %`);
    }
    if (m.roomy) {
      row(`with BLE started, on a ${m.roomy.total}-variable build of the same ${m.roomy.blocksize}-byte variables (ESPRUINO32_ROOMY_BIN): boot`, m.roomy.bootLine ?? `did not finish: ${m.roomy.outOfMemory ?? "no boot line"}`);
      for (const [s, u] of m.roomy.usage) row(`with BLE started, roomy build: variables in use ${s} s after the boot line`, u, "variables");
      row("with BLE started, roomy build, less the NRF stub's own cost: share of 2,950", `${((100 * (Math.max(...m.roomy.usage.map((x) => x[1])) - (b.stubAlone - m.bare))) / 2950).toFixed(1)} %`);
    }
  } catch (e) {
    notMeasured(label, errText(e));
  }
}

function printText(): void {
  console.log("pencap bench");
  for (const s of sections) {
    console.log(`\n## ${s.title}`);
    for (const r of s.rows) console.log(`  ${r.label}: ${fmt(r.value)}${r.unit ? " " + r.unit : ""}`);
  }
}

/** One JSON object: { section title: { "label (unit)": value } }. */
function printJson(): void {
  const o: Record<string, Record<string, Value>> = {};
  for (const s of sections) {
    const m: Record<string, Value> = {};
    for (const r of s.rows) m[r.unit ? `${r.label} (${r.unit})` : r.label] = typeof r.value === "number" ? Math.round(r.value * 1000) / 1000 : r.value;
    o[s.title] = m;
  }
  process.stdout.write(JSON.stringify(o, null, 2) + "\n");
}

async function simSpeedSection(): Promise<void> {
  section(`simulator speed: a year of the default pattern (sim/scenarios/default.json × ${YEAR_REPEAT} = 364 days, MDBT42Q, radio + app + energy as npm run sim)`);
  if (!existsSync(BUNDLE)) return notMeasured("simulator speed", "dist/firmware.js not built");
  try {
    const r = await simSpeedBench(BUNDLE);
    row("one cap-year, one thread, hang guard on (the default): CPU time", r.cpuSecondsGuarded, "s");
    row("one cap-year, one thread, hang guard off (--no-hang-guard): CPU time", r.cpuSecondsUnguarded, "s");
    row("one cap-year, one thread, hang guard on: wall time", r.wallSecondsGuarded, "s");
    row("cost of the hang guard (CPU, on / off - 1)", Math.round((r.cpuSecondsGuarded / r.cpuSecondsUnguarded - 1) * 100), "%");
    const b = r.batch;
    row(`npm run sim over ${b.caps} caps (seeds 1-${b.caps}) on ${b.workers} worker thread(s): wall time`, b.wallSeconds, "s");
    row(`npm run sim over ${b.caps} caps on ${b.workers} worker thread(s): throughput`, b.capYearsPerMinute, "cap-years per minute");
    if (b.failed) row("caps that failed", b.failed);
  } catch (e) {
    notMeasured("simulator speed", errText(e));
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== "--json")) {
    process.stderr.write("usage: npm run bench [-- --json]\n");
    process.exit(2);
  }
  process.env.TZ = "UTC";
  process.chdir(resolve(import.meta.dirname, ".."));
  bundleSection();
  interpreterSection();
  await logSection();
  await syncSection();
  await energySection();
  await memorySection();
  await deviceMemorySection();
  await simSpeedSection();
  if (args.includes("--json")) printJson();
  else printText();
}

await main();
