// Runs the dose log on the real Espruino interpreter (host build) over its real require("Flash").
// Not a vitest file: bundle it and run it, twice, in a scratch folder (the flash lives in ./espruino.flash):
//   npx esbuild test/log/espruino-driver.ts --bundle --format=iife --platform=neutral --outfile=/tmp/logdrv/d.js
//   cd /tmp/logdrv && "$ESPRUINO_BIN" d.js </dev/null   (run it twice)
import { DoseLog } from "../../firmware/log/log";
import { openFlashStore } from "../../firmware/hw/flash-store";
import { T_BOOT, T_DOSE, recA } from "../../firmware/log/record";

declare const process: { memory(): { usage: number; total: number }; env: { BOARD: string } };
declare function print(...a: unknown[]): void;

declare function require(n: string): any;
const STORAGE = "Storage";

function main(): void {
  // On the host build Storage spans the whole fake flash, the same 256 KiB getFree() reports, and at power-on
  // Storage erases everything if its area does not look like Storage (its boot-time check). One small file at
  // the start stops the check at the end of the file chain, before the log at the top of the area.
  if (process.env.BOARD === "LINUX" && !require(STORAGE).read("anchor")) require(STORAGE).write("anchor", "1");
  const before = process.memory().usage;
  const store = openFlashStore(3, 16);
  if (!store) {
    print("no flash region");
    return;
  }
  const log = new DoseLog(store);
  const rep = log.mount();
  print("mount: " + JSON.stringify(rep));
  print("after mount: newest " + log.newestSeq() + " oldest " + log.oldestSeq() + " count " + log.count());
  const out = new Uint8Array(16);
  // Check every record found is intact and in order.
  let n = 0;
  let prev = -1;
  let ok = true;
  for (let s = log.readFrom(0, out); s >= 0; s = log.readFrom(s + 1, out)) {
    if (s <= prev || recA(out, 0) !== (s & 0xffff)) ok = false;
    prev = s;
    n++;
  }
  print("read back " + n + " records, in order and intact: " + ok);
  const t0 = Date.now();
  let first = -1;
  log.append(T_BOOT, 0, 0, log.stats().nextSeq & 0xffff, 0);
  for (let i = 0; i < 300; i++) {
    const seq = log.stats().nextSeq;
    const s = log.append(T_DOSE, 0x10, 1000 + i, seq & 0xffff, 0x0915);
    if (first < 0) first = s;
    if (i % 10 === 0) log.maintain();
  }
  const ms = Date.now() - t0;
  const st = log.stats();
  print("appended 301 from seq " + first + " to " + log.newestSeq() + " in " + ms + " ms");
  print("stats: " + JSON.stringify(st));
  print("memory usage: before " + before + " after " + process.memory().usage + " of " + process.memory().total);
}

main();
