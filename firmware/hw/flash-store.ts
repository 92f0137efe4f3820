// PageStore over Espruino's Flash module (docs/log-format.md, "Where the log lives").
// Raw flash pages in a region Storage does not manage (from Flash.getFree()). Every write and erase is read
// back: the nRF52 driver can report a failed write as done. Writes are whole aligned 4-byte words.
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

export class FlashStore implements PageStore {
  readonly pageSize: number;
  readonly pageCount: number;
  private flash: FlashModule;
  /** Address of the byte just past page 0; page i lives at top - (i + 1) * pageSize. */
  private top: number;

  /**
   * Pages are counted down from `top` (the end of the free area, where Storage begins): a later, larger
   * interpreter binary shrinks the area from below, so the page indices that survive keep their data.
   */
  constructor(flash: FlashModule, top: number, pageSize: number, pageCount: number) {
    this.flash = flash;
    this.top = top;
    this.pageSize = pageSize;
    this.pageCount = pageCount;
  }

  addr(page: number, offset: number, length: number): number {
    if (page < 0 || page >= this.pageCount || offset < 0 || offset + length > this.pageSize || Math.floor(page) !== page) {
      throw fwError("STORE_RANGE", "flash page access out of range");
    }
    // `| 0`: Espruino's Flash functions want an integer, and arithmetic through Math.floor() gives a float
    // ("Address should be an integer, got Number"). Flash addresses are below 2^31 on every board.
    return (this.top - (page + 1) * this.pageSize + offset) | 0;
  }

  read(page: number, offset: number, length: number): Uint8Array {
    return this.flash.read(length, this.addr(page, offset, length));
  }

  write(page: number, offset: number, data: Uint8Array): void {
    verifiedWrite(this.flash, this.addr(page, offset, data.length), data);
  }

  erase(page: number): void {
    verifiedErase(this.flash, this.addr(page, 0, this.pageSize), this.pageSize);
  }
}

/** Writes whole aligned words and reads them back: the nRF52 driver can report a failed write as done. */
export function verifiedWrite(flash: FlashModule, a: number, data: Uint8Array): void {
  if (a % 4 !== 0 || data.length % 4 !== 0) throw fwError("STORE_RANGE", "flash write not word aligned");
  flash.write(data, a);
  const back = flash.read(data.length, a);
  for (let i = 0; i < data.length; i++) {
    if (back[i] !== data[i]) throw fwError("LOG_VERIFY", "flash write did not read back at 0x" + (a + i).toString(16));
  }
}

/** Erases the page at `a` and checks, a chunk at a time, that it reads all 0xFF. */
export function verifiedErase(flash: FlashModule, a: number, pageSize: number): void {
  flash.erasePage(a);
  for (let o = 0; o < pageSize; o += VERIFY_CHUNK) {
    const n = Math.min(VERIFY_CHUNK, pageSize - o);
    const b = flash.read(n, a + o);
    for (let i = 0; i < n; i++) {
      if (b[i] !== 0xff) throw fwError("LOG_VERIFY", "flash erase did not read back at 0x" + (a + o + i).toString(16));
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
