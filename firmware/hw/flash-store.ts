// PageStore over Espruino's Flash module (docs/log-format.md, "Where the log lives"): raw flash pages in a
// region Storage does not manage (from Flash.getFree()). Every write and erase is read back: the nRF52 driver
// can report a failed write as done. Writes are whole aligned 4-byte words.
import { fwError } from "../errors";
import type { PageStore } from "../log/log";

/** The part of require("Flash") this store uses. */
export interface FlashModule {
  read(length: number, addr: number): Uint8Array;
  write(data: Uint8Array, addr: number): void;
  erasePage(addr: number): void;
  getFree(): { addr: number; length: number }[];
  getPage(addr: number): { addr: number; length: number } | undefined;
}

const VERIFY_CHUNK = 256;

/**
 * Raw flash pages of the log region (from Flash.getFree(), docs/log-format.md "Where the log lives"), counted
 * down from `top`, the end of the free area where Storage begins: a later, larger interpreter binary shrinks
 * the area from below, so the page indices that survive keep their data. Page i lives at top - (i + 1) * pageSize.
 * (A Storage file as the log's home was dropped: it cannot sit next to the bundle on a stock board, and Storage
 * compaction moves files.)
 */
export class FlashStore implements PageStore {
  readonly pageSize: number;
  readonly pageCount: number;
  private flash: FlashModule;
  /** Address of page 0 (the top page). Read by openLogRegion (a field rather than a getter: RAM on Espruino). */
  base: number;

  constructor(flash: FlashModule, top: number, pageSize: number, pageCount: number) {
    this.flash = flash;
    this.pageSize = pageSize;
    this.pageCount = pageCount;
    this.base = top - pageSize;
  }

  /** Flash address of a page access. */
  private addr(page: number, offset: number, length: number): number {
    if (page < 0 || page >= this.pageCount || offset < 0 || offset + length > this.pageSize || Math.floor(page) !== page) {
      throw fwError("STORE_RANGE", "flash page access out of range");
    }
    // `| 0`: Espruino's Flash functions want an integer, and arithmetic through Math.floor() gives a float
    // ("Address should be an integer, got Number"). Flash addresses are below 2^31 on every board.
    return (this.base - page * this.pageSize + offset) | 0;
  }

  read(page: number, offset: number, length: number): Uint8Array {
    return this.flash.read(length, this.addr(page, offset, length));
  }

  /** Writes whole aligned words and reads them back: the nRF52 driver can report a failed write as done. */
  write(page: number, offset: number, data: Uint8Array): void {
    const a = this.addr(page, offset, data.length);
    if (a % 4 !== 0 || data.length % 4 !== 0) throw fwError("STORE_RANGE", "flash write not word aligned");
    this.flash.write(data, a);
    const back = this.flash.read(data.length, a);
    for (let i = 0; i < data.length; i++) {
      if (back[i] !== data[i]) throw fwError("LOG_VERIFY", "flash write did not read back at 0x" + (a + i).toString(16));
    }
  }

  /** Erases the page and checks, a chunk at a time, that it reads all 0xFF. */
  erase(page: number): void {
    const a = this.addr(page, 0, this.pageSize);
    this.flash.erasePage(a);
    for (let o = 0; o < this.pageSize; o += VERIFY_CHUNK) {
      const n = Math.min(VERIFY_CHUNK, this.pageSize - o);
      const b = this.flash.read(n, a + o);
      for (let i = 0; i < n; i++) {
        if (b[i] !== 0xff) throw fwError("LOG_VERIFY", "flash erase did not read back at 0x" + (a + o + i).toString(16));
      }
    }
  }
}

declare function require(name: string): unknown;

const FLASH_MODULE = "Flash"; // not a literal in require(): the bundler must leave it to the interpreter

/**
 * Opens the flash store of this device (require("Flash")): the top `maxPages` whole pages of the largest free
 * area reported by Flash.getFree(), or null when it has fewer than `minPages` (then the board uses a Storage
 * file).
 */
export function openFlashStore(minPages: number, maxPages: number): FlashStore | null {
  const flash = require(FLASH_MODULE) as FlashModule;
  const areas = flash.getFree();
  let best: FlashStore | null = null;
  for (let i = 0; i < areas.length; i++) {
    const ar = areas[i];
    const pg = flash.getPage(ar.addr);
    if (!pg) continue;
    const ps = pg.length;
    // Whole pages only: round the start up and the end down to page boundaries.
    const start = Math.ceil(ar.addr / ps) * ps;
    const end = Math.floor((ar.addr + ar.length) / ps) * ps;
    let n = Math.floor((end - start) / ps);
    if (n > maxPages) n = maxPages;
    if (n >= minPages && (!best || n > best.pageCount)) best = new FlashStore(flash, end, ps, n);
  }
  return best;
}

const enum R {
  /** Pages of the state area (firmware/log/state.ts): two, so that one holds the newest state while the other
   *  is erased. */
  STATE_PAGES = 2,
}

/**
 * The log region of this device (docs/log-format.md, "Where the log lives"): the raw flash pages of
 * Flash.getFree(), the top two for the state area and below them `minLogPages`..`maxLogPages` for the dose
 * log. Returns [log store, state store], or null when getFree() has fewer than minLogPages + 2 whole pages
 * (the stock interpreter: then there is no log, and the cap says so over BLE).
 */
export function openLogRegion(minLogPages: number, maxLogPages: number): FlashStore[] | null {
  const region = openFlashStore(minLogPages + R.STATE_PAGES, maxLogPages + R.STATE_PAGES);
  if (!region) return null;
  const ps = region.pageSize;
  // Raw pages count down from the top: base is the top page, so the top of the region is base + ps.
  const top = region.base + ps;
  return [
    new FlashStore(require(FLASH_MODULE) as FlashModule, top - R.STATE_PAGES * ps, ps, region.pageCount - R.STATE_PAGES),
    new FlashStore(require(FLASH_MODULE) as FlashModule, top, ps, R.STATE_PAGES),
  ];
}
