// PageStore over Espruino's Flash module (docs/log-format.md, "Where the log lives").
// Raw flash pages in a region Storage does not manage (from Flash.getFree()), or the pages inside a Storage
// file (storage-store.ts). Every write and erase is read back: the nRF52 driver can report a failed write as
// done. Writes are whole aligned 4-byte words.
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
 * Raw flash pages (from Flash.getFree()), or the whole flash pages inside a Storage file (the fallback,
 * firmware/hw/storage-store.ts). One class for both: a class and its methods cost RAM on Espruino whether or
 * not the board ever builds one, and the two differ only in where page 0 is and which way pages go.
 */
export class FlashStore implements PageStore {
  readonly pageSize: number;
  readonly pageCount: number;
  private flash: FlashModule;
  /** Storage file: returns the flash address of its first data byte; null for raw flash pages. */
  private locate: (() => number) | null;
  /** Address of page 0 (-1 until the Storage file is first found); page i starts at base + i * step. */
  private base: number;
  private step: number;

  /**
   * `at` a number: raw flash, pages counted down from `at` (the end of the free area, where Storage begins):
   * a later, larger interpreter binary shrinks the area from below, so the page indices that survive keep
   * their data. Page i lives at at - (i + 1) * pageSize.
   *
   * `at` a function: a Storage file; it returns the flash address of the file's first data byte (on the nRF52:
   * E.getAddressOf(require("Storage").read(name), true), Storage being memory-mapped there). The pages start
   * at the first whole flash page inside the file (never the file's byte 0, which Storage would rewrite) and
   * count up. Before every write and erase the file is looked up again: if Storage compaction has moved it,
   * the store refuses (STORE_ALIGN) instead of erasing someone else's data.
   */
  constructor(flash: FlashModule, at: number | (() => number), pageSize: number, pageCount: number) {
    this.flash = flash;
    this.pageSize = pageSize;
    this.pageCount = pageCount;
    this.base = -1;
    if (typeof at === "number") {
      this.locate = null;
      this.base = at - pageSize;
      this.step = -pageSize;
    } else {
      this.locate = at;
      this.step = pageSize;
      this.base = this.addr(0, 0, 0, true);
    }
  }

  /** Flash address of a page access; with `check`, a Storage file's store refuses when the file moved (or
   *  cannot be found). */
  private addr(page: number, offset: number, length: number, check: boolean): number {
    if (page < 0 || page >= this.pageCount || offset < 0 || offset + length > this.pageSize || Math.floor(page) !== page) {
      throw fwError("STORE_RANGE", (this.locate ? "storage" : "flash") + " page access out of range");
    }
    if (check && this.locate) {
      const a = this.locate();
      // 0: Storage is not memory-mapped here (the host build), so the file's flash address is unknown.
      if (!a) throw fwError("STORE_ALIGN", "cannot find the log's Storage file in flash");
      const base = (Math.floor(a / this.pageSize) + 1) * this.pageSize;
      if (this.base < 0) this.base = base; // the constructor's first look
      else if (base !== this.base) throw fwError("STORE_ALIGN", "the log's Storage file has moved (compaction)");
    }
    // `| 0`: Espruino's Flash functions want an integer, and arithmetic through Math.floor() gives a float
    // ("Address should be an integer, got Number"). Flash addresses are below 2^31 on every board.
    return (this.base + page * this.step + offset) | 0;
  }

  read(page: number, offset: number, length: number): Uint8Array {
    return this.flash.read(length, this.addr(page, offset, length, false));
  }

  /** Writes whole aligned words and reads them back: the nRF52 driver can report a failed write as done. */
  write(page: number, offset: number, data: Uint8Array): void {
    const a = this.addr(page, offset, data.length, true);
    if (a % 4 !== 0 || data.length % 4 !== 0) throw fwError("STORE_RANGE", "flash write not word aligned");
    this.flash.write(data, a);
    const back = this.flash.read(data.length, a);
    for (let i = 0; i < data.length; i++) {
      if (back[i] !== data[i]) throw fwError("LOG_VERIFY", "flash write did not read back at 0x" + (a + i).toString(16));
    }
  }

  /** Erases the page and checks, a chunk at a time, that it reads all 0xFF. */
  erase(page: number): void {
    const a = this.addr(page, 0, this.pageSize, true);
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
