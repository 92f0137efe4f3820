// Dose log figures for `npm run bench` (issue 6, item 8), measured on the NOR flash model through the real
// FlashStore. Importable (logBench()) and runnable alone: npx tsx bench/log.ts
import { pathToFileURL } from "node:url";
import { DoseLog } from "../firmware/log/log.js";
import { T_DOSE } from "../firmware/log/record.js";
import { installCrc, makeFlash } from "../test/log/helpers.js";

export interface LogBenchFigures {
  pageSize: number;
  pageCount: number;
  recordsPerPage: number;
  capacityRecords: number;
  /** Averages over a steady-state run that wraps the ring many times (page changes amortised). */
  wordsWrittenPerAppend: number;
  bytesReadPerAppend: number;
  erasesPerAppend: number;
  /** What one boot (mount) of a full log reads. */
  bootBytesRead: number;
  bootWordsWritten: number;
  bootErases: number;
  /** Erase counts after the long run. */
  eraseMin: number;
  eraseMax: number;
  appendsInRun: number;
}

export function measure(pageSize: number, pageCount: number, wraps: number): LogBenchFigures {
  installCrc();
  const { nor, store } = makeFlash(pageSize, pageCount);
  const log = new DoseLog(store);
  log.mount();
  const S = log.stats().recordsPerPage;
  // Fill once so the run below is in steady state (the ring full, page changes dropping the oldest page).
  for (let k = 0; k < S * pageCount; k++) log.append(T_DOSE, 0, k, k & 0xffff, 0);
  const n = S * pageCount * wraps;
  const w0 = nor.wordWrites, r0 = nor.bytesRead, e0 = nor.erases;
  for (let k = 0; k < n; k++) {
    log.append(T_DOSE, 0x10, 1000 + k, k & 0xffff, 0x0915);
    if (k % 8 === 0) log.maintain(); // as the firmware does when idle
  }
  const words = nor.wordWrites - w0, read = nor.bytesRead - r0, erases = nor.erases - e0;
  const st = log.stats();
  const b0 = nor.bytesRead, bw0 = nor.wordWrites, be0 = nor.erases;
  new DoseLog(store).mount();
  return {
    pageSize,
    pageCount,
    recordsPerPage: S,
    capacityRecords: st.capacity,
    wordsWrittenPerAppend: round(words / n),
    bytesReadPerAppend: round(read / n),
    erasesPerAppend: round(erases / n),
    bootBytesRead: nor.bytesRead - b0,
    bootWordsWritten: nor.wordWrites - bw0,
    bootErases: nor.erases - be0,
    eraseMin: st.eraseMin,
    eraseMax: st.eraseMax,
    appendsInRun: n,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The log figures: an nRF52-sized region (4 KiB pages) and the host build's 1 KiB pages. */
export function logBench(): LogBenchFigures[] {
  return [measure(4096, 10, 20), measure(1024, 16, 20)];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const f of logBench()) console.log(JSON.stringify(f));
}
