// PageStore inside one Storage file: the fallback for a board whose Flash.getFree() has too few pages
// (docs/log-format.md, "Where the log lives" and "Storage's weak points").
//
// Storage cannot erase part of a file, and writing a file at offset 0 re-creates it. So the file is only a
// reservation: it is created once, at full size plus one page of slack, and never written through Storage
// again. The log's pages are the whole flash pages inside it, reached with require("Flash") like FlashStore
// (read back after every write and erase, whole aligned words). Before every write and erase the file's
// address is looked up again: if Storage compaction has moved the file, the store refuses (STORE_ALIGN)
// instead of erasing someone else's data.
import { fwError } from "../errors";
import type { PageStore } from "../log/log";
import { openFlashStore, verifiedErase, verifiedWrite, type FlashModule } from "./flash-store";

/** The part of require("Storage") this store uses. */
export interface StorageModule {
  read(name: string, offset?: number, length?: number): string | undefined;
  write(name: string, data: string | Uint8Array, offset?: number, size?: number): boolean;
}


export class StorageStore implements PageStore {
  readonly pageSize: number;
  readonly pageCount: number;
  private flash: FlashModule;
  private locate: () => number;
  private base: number;

  /**
   * `locate` returns the flash address of the file's first data byte (on the nRF52:
   * E.getAddressOf(require("Storage").read(name), true), Storage being memory-mapped there).
   */
  constructor(flash: FlashModule, locate: () => number, pageSize: number, pageCount: number) {
    this.flash = flash;
    this.locate = locate;
    this.pageSize = pageSize;
    this.pageCount = pageCount;
    this.base = -1;
    this.base = this.addr(0, 0, 0, true);
  }

  /** Flash address of a page access; with `check`, refuses when the file moved (or cannot be found). The
   *  pages start at the first whole flash page inside the file (never the file's byte 0, which Storage
   *  would rewrite). */
  private addr(page: number, offset: number, length: number, check: boolean): number {
    if (page < 0 || page >= this.pageCount || offset < 0 || offset + length > this.pageSize || Math.floor(page) !== page) {
      throw fwError("STORE_RANGE", "storage page access out of range");
    }
    if (check) {
      const a = this.locate();
      // 0: Storage is not memory-mapped here (the host build), so the file's flash address is unknown.
      if (!a) throw fwError("STORE_ALIGN", "cannot find the log's Storage file in flash");
      const base = (Math.floor(a / this.pageSize) + 1) * this.pageSize;
      if (this.base < 0) this.base = base; // the constructor's first look
      else if (base !== this.base) throw fwError("STORE_ALIGN", "the log's Storage file has moved (compaction)");
    }
    return (this.base + page * this.pageSize + offset) | 0;
  }

  read(page: number, offset: number, length: number): Uint8Array {
    return this.flash.read(length, this.addr(page, offset, length, false));
  }

  write(page: number, offset: number, data: Uint8Array): void {
    verifiedWrite(this.flash, this.addr(page, offset, data.length, true), data);
  }

  erase(page: number): void {
    verifiedErase(this.flash, this.addr(page, 0, this.pageSize, true), this.pageSize);
  }
}

/** Bytes of the Storage file for `pageCount` log pages: one page of slack for alignment. */
export function storageFileSize(pageSize: number, pageCount: number): number {
  return (pageCount + 1) * pageSize;
}

declare function require(name: string): unknown;
declare const E: { getAddressOf(v: unknown, flat: boolean): number };

const STORAGE_MODULE = "Storage";
const FLASH_MODULE = "Flash";

/**
 * The board decision of docs/log-format.md: raw flash pages from Flash.getFree() when there are at least
 * `minFlashPages` (taking at most `maxFlashPages`), otherwise `storagePages` pages of `flashPageSize` bytes
 * (4096 on nRF52) in the Storage file `name`. On nRF52: openLogStore(4, 32, "doselog", 3, 4096).
 * Returns null when neither is possible.
 */
export function openLogStore(minFlashPages: number, maxFlashPages: number, name: string, storagePages: number, flashPageSize: number): PageStore | null {
  const fs = openFlashStore(minFlashPages, maxFlashPages);
  if (fs) return fs;
  // The Storage file `name` as a page store (created once, at full size); null when the file cannot be
  // created (Storage too full).
  const storage = require(STORAGE_MODULE) as StorageModule;
  const size = storageFileSize(flashPageSize, storagePages);
  const cur = storage.read(name);
  if (cur === undefined || cur.length !== size) {
    // Created once: one byte at offset 0 and the rest left erased. Never written through Storage again.
    if (!storage.write(name, "L", 0, size)) return null;
  }
  return new StorageStore(require(FLASH_MODULE) as FlashModule, () => E.getAddressOf(storage.read(name), true), flashPageSize, storagePages);
}
