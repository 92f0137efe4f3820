// Bench prelude, run ON the device (the simulator's or the host build's interpreter): appends records through
// the firmware's own DoseLog on the page store the firmware itself opens at boot, so a following boot of
// dist/firmware.js mounts that log. Bundled by bench/prelude.ts through the same Espruino gate as the firmware.
// Parameters come as globals set just before it: BENCH_FILL_N (records to append; -1: until the ring has
// wrapped once, i.e. the log is full) and BENCH_FILL_T0 (unix time of the first record, 6 h apart).
// The store choice repeats main.ts openStore() (which is not exported); the bench checks the firmware's boot
// line ("log N records") against what this prints, so a drift would show.
import { DoseLog, PageStore } from "../firmware/log/log";
import { openLogRegion } from "../firmware/hw/flash-store";

declare const BENCH_FILL_N: number;
declare const BENCH_FILL_T0: number;
declare function require(name: string): any;

import { T_DOSE } from "../firmware/log/record";

function openStore(): PageStore | null {
  if (process.env.BOARD === "LINUX") {
    const storage = require("Storage");
    if (storage.read("pencap.id") === undefined) storage.write("pencap.id", "pencap");
    const r = openLogRegion(4, 16);
    return r ? r[0] : null;
  }
  // the log part of the region (the state area above it is the firmware's own business)
  const r = openLogRegion(3, 32);
  return r ? r[0] : null;
}

function fill(): void {
  const store = openStore();
  if (!store) {
    console.log("FILL:" + JSON.stringify({ error: "no page store" }));
    return;
  }
  const log = new DoseLog(store);
  log.mount();
  const st = log.stats();
  // A full log: enough appends that the ring has dropped its oldest page at least once.
  const n = BENCH_FILL_N >= 0 ? BENCH_FILL_N : st.pageCount * st.recordsPerPage + 1;
  for (let k = 0; k < n; k++) {
    // DOSE: flags 0x10 (clock set), a = cap-off seconds, b = insulin code (docs/log-format.md payloads)
    log.append(T_DOSE, 0x10, BENCH_FILL_T0 + k * 21600, 8 + (k % 20), 0x0915);
  }
  const s = log.stats();
  console.log(
    "FILL:" +
      JSON.stringify({
        appended: n,
        count: log.count(),
        oldest: log.oldestSeq(),
        newest: log.newestSeq(),
        pageSize: s.pageSize,
        pageCount: s.pageCount,
        recordsPerPage: s.recordsPerPage,
        capacity: s.capacity,
        used: s.used,
      })
  );
}

fill();
