// Runs ON the interpreter's host build (bundled through the Espruino gate by bench/cpu-calibrate.ts): one
// firmware path, BENCH_CPU_N times, so that callgrind's instruction counts of two runs with different N give
// the path's cost per repetition. Paths (BENCH_CPU_PATH):
//   "fill"     appends N DOSE records through DoseLog (run once before the others; also the "append" path)
//   "notify3"  a RACP "within range" report of N records at 3 records per notification (ATT_MTU 53)
//   "notify1"  the same at 1 record per notification (ATT_MTU 23)
//   "timer"    N empty setTimeout callbacks (the interpreter's cost of running one callback)
// The log lives on the store the LINUX profile opens (16 Flash pages of 1,024 bytes), as bench/fill-log.ts.
import { DoseLog } from "../firmware/log/log";
import { openFlashStore } from "../firmware/hw/flash-store";
import { Racp } from "../firmware/ble/racp";
import { T_DOSE } from "../firmware/log/record";

declare const BENCH_CPU_PATH: string;
declare const BENCH_CPU_N: number;
declare function require(name: string): any;
declare function getTime(): number;
declare function setTimeout(fn: () => void, ms: number): number;

function run(): void {
  const storage = require("Storage");
  if (storage.read("pencap.id") === undefined) storage.write("pencap.id", "pencap");
  const store = openFlashStore(4, 16);
  if (!store) {
    console.log("CPU:" + JSON.stringify({ error: "no page store" }));
    return;
  }
  const log = new DoseLog(store);
  log.mount();
  const n = BENCH_CPU_N;
  let sent = 0;
  if (BENCH_CPU_PATH === "fill") {
    for (let k = 0; k < n; k++) log.append(T_DOSE, 0x10, 1764000000 + k * 600, 8 + (k % 20), 0x0915);
  } else if (BENCH_CPU_PATH === "notify3" || BENCH_CPU_PATH === "notify1") {
    const racp = new Racp({ log: log, out: function () { sent++; return true; }, clock: { now: getTime }, update: function () {}, capConfirmed: false });
    racp.mtu = BENCH_CPU_PATH === "notify3" ? 53 : 23;
    const lo = log.oldestSeq();
    const hi = lo + n - 1;
    racp.write(new Uint8Array([1, 4, 1, lo & 255, (lo >> 8) & 255, 0, 0, hi & 255, (hi >> 8) & 255, 0, 0]));
  } else if (BENCH_CPU_PATH === "timer") {
    for (let k = 0; k < n; k++) setTimeout(function () { sent++; }, 0);
  }
  console.log("CPU:" + JSON.stringify({ path: BENCH_CPU_PATH, n: n, sent: sent, count: log.count() }));
}

run();
