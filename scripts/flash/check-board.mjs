// Before an upload: can the firmware open its dose log on this board once the bundle is in Storage?
// flash.sh reads the board first (PROBE below, sent with the Espruino CLI's -e) and passes its one-line
// answer here with the bundle. The rule is the firmware's own (openLogRegion in firmware/hw/flash-store.ts,
// called by boot() in firmware/main.ts; docs/log-format.md "Decision"): the whole pages of Flash.getFree()
// (at most MAX_LOG_PAGES + STATE_PAGES taken), the top STATE_PAGES for the state area and the rest for the
// dose log, which needs at least MIN_LOG_PAGES. With fewer free pages the firmware keeps its log in RAM only
// (lost at every reset): there is no Storage-file log. test/toolchain/flash-check.test.ts keeps these
// constants equal to the firmware's.
//
//   node scripts/flash/check-board.mjs '<PENCAP_BOARDINFO line or its JSON>' dist/firmware.js
//
// Prints what the log will get; exit 0 when the log can be opened, 5 (with the reason and the way out:
// the cap's interpreter build) when it cannot or the bundle does not fit in Storage, 2 on bad input.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** openLogRegion(3, 32) in firmware/main.ts (nRF52 boards): 3 to 32 dose-log pages. */
export const MIN_LOG_PAGES = 3;
export const MAX_LOG_PAGES = 32;
/** The state area: R.STATE_PAGES in firmware/hw/flash-store.ts. */
export const STATE_PAGES = 2;
/** Free pages the firmware needs for a flash log (5), and the most it takes (34). */
export const MIN_FREE_PAGES = MIN_LOG_PAGES + STATE_PAGES;
export const MAX_FREE_PAGES = MAX_LOG_PAGES + STATE_PAGES;
/** The host build (BOARD "LINUX") opens openLogRegion(4, 16) instead (firmware/main.ts). */
export const LINUX_LOG_PAGES = [4, 16];
const limits = (board) => board === "LINUX" ?
  { min: LINUX_LOG_PAGES[0] + STATE_PAGES, max: LINUX_LOG_PAGES[1] + STATE_PAGES } : { min: MIN_FREE_PAGES, max: MAX_FREE_PAGES };
/** Espruino 2v29 Storage: a 32-byte header (size + 28-byte name, src/jsflash.h JsfFileHeader), data padded to 4. */
export const FILE_OVERHEAD = 32;
const RECORD_SLOTS = (pageSize) => Math.floor((pageSize - 32) / 16);
/** Records the dose log always keeps with `pages` log pages: all but two pages' worth (the page being
 *  filled and the one erased next; docs/log-format.md "Capacity"). */
export const recordsKept = (freePages, pageSize = 4096, board = "PENCAP") =>
  (Math.min(freePages, limits(board).max) - STATE_PAGES - 2) * RECORD_SLOTS(pageSize);
export const TARGET_RECORDS = 4000;
/** The cap build's measured figures, for the way out the messages name. */
const CAP = JSON.parse(readFileSync(new URL("../../boards/measured.json", import.meta.url), "utf8")).boards.PENCAP;

/** The expression flash.sh sends (ES5, as the interpreter runs it); its answer is one line. */
export const PROBE =
  'var s=require("Storage"),f=require("Flash").getFree(),b=s.read(".bootcde");' +
  'print("PENCAP_BOARDINFO "+JSON.stringify({board:process.env.BOARD,version:process.env.VERSION,flash:f,' +
  'page:f.length?require("Flash").getPage(f[0].addr):null,stats:s.getStats(),boot:b?b.length:0}))';

const fileBytes = (n) => FILE_OVERHEAD + Math.ceil(n / 4) * 4;

/** Parses the board's answer: the PENCAP_BOARDINFO line (anywhere in the CLI's output) or bare JSON. */
export function parseBoardInfo(text) {
  const m = /PENCAP_BOARDINFO (\{.*\})/.exec(text);
  const info = JSON.parse(m ? m[1] : text);
  // 2v29's getStats() (src/jswrap_storage.c; checked on the host build): totalBytes, freeBytes, fileBytes,
  // fileCount, trashBytes, trashCount.
  if (!Array.isArray(info.flash) || !info.stats || typeof info.stats.totalBytes !== "number" || typeof info.stats.fileBytes !== "number") {
    throw new Error("the board's answer lacks Flash.getFree() or Storage.getStats()");
  }
  return info;
}

/**
 * @param {{board?: string, version?: string, flash: {addr: number, length: number}[], page?: {addr: number, length: number} | null,
 *          stats: {totalBytes: number, freeBytes: number, fileBytes: number, trashBytes?: number}, boot?: number}} info
 * @param {number} bundleBytes
 * @returns {{ok: boolean, store: "flash" | "ram", freePages: number, recordsKept: number, storageFreeAfter: number, lines: string[]}}
 */
export function checkBoard(info, bundleBytes) {
  const pageSize = info.page && info.page.length > 0 ? info.page.length : 4096;
  // openFlashStore takes the largest area's whole pages, not the sum of all areas.
  const freePages = info.flash.reduce((n, a) => Math.max(n, Math.floor((a.addr + a.length) / pageSize) - Math.ceil(a.addr / pageSize)), 0);
  // After the upload Storage holds every other file and the new .bootcde (Espruino compacts to make room).
  const others = info.stats.fileBytes - (info.boot ? fileBytes(info.boot) : 0);
  const storageFreeAfter = info.stats.totalBytes - others - fileBytes(bundleBytes);
  const who = `${info.board ?? "the board"} (Espruino ${info.version ?? "?"})`;
  const lines = [`${who}: Flash.getFree() ${freePages} pages of ${pageSize} bytes; Storage ${info.stats.totalBytes} bytes, ` +
    `${storageFreeAfter} free after this ${bundleBytes}-byte bundle`];
  const capBuild = `Flash the cap's own interpreter build first (boards/PENCAP.py: ${CAP.freePages} free pages, ${recordsKept(CAP.freePages)} records kept): ` +
    "build it with scripts/espruino/build-cap.sh and flash its DFU zip (./flash.sh --interpreter ZIP says how); see README \"Flash\".";
  if (storageFreeAfter < 0) {
    lines.push(`REFUSED: the bundle does not fit in Storage (${-storageFreeAfter} bytes short). ${capBuild}`);
    return { ok: false, store: "ram", freePages, recordsKept: 0, storageFreeAfter, lines };
  }
  const { min, max } = limits(info.board);
  if (freePages >= min) {
    const pages = Math.min(freePages, max);
    const kept = recordsKept(freePages, pageSize, info.board);
    lines.push(`log: ${pages} flash pages (${pages - STATE_PAGES} for the dose log, ${STATE_PAGES} for the state area), ${kept} records always kept`);
    if (kept < TARGET_RECORDS) lines.push(`WARNING: fewer than ${TARGET_RECORDS} records. ${capBuild}`);
    return { ok: true, store: "flash", freePages, recordsKept: kept, storageFreeAfter, lines };
  }
  lines.push(`REFUSED: the firmware could not open its dose log here: ${freePages} free flash pages (it needs ${min}: ` +
    `${min - STATE_PAGES} for the log, ${STATE_PAGES} for the state area). The cap would keep its records in RAM only and lose ` +
    `them at every reset. ${capBuild}`);
  return { ok: false, store: "ram", freePages, recordsKept: 0, storageFreeAfter, lines };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [answer, bundle] = process.argv.slice(2);
  if (!answer || !bundle) {
    console.error("usage: node scripts/flash/check-board.mjs '<board answer>' BUNDLE");
    process.exit(2);
  }
  let info;
  try {
    info = parseBoardInfo(answer);
  } catch (e) {
    console.error(`check-board: cannot read the board's answer: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  }
  const r = checkBoard(info, readFileSync(bundle).length);
  for (const l of r.lines) (r.ok ? console.log : console.error)(`flash.sh: ${l}`);
  process.exit(r.ok ? 0 : 5);
}
