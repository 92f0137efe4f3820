// PageStore inside one Storage file: the fallback for a board whose Flash.getFree() has too few pages
// (docs/log-format.md, "Where the log lives" and "Storage's weak points").
//
// Storage cannot erase part of a file, and writing a file at offset 0 re-creates it. So the file is only a
// reservation: it is created once, at full size plus one page of slack, and never written through Storage
// again. The log's pages are the whole flash pages inside it, reached with require("Flash") by FlashStore
// given the file's address lookup (flash-store.ts: read back after every write and erase, whole aligned
// words; before every write and erase the file's address is looked up again, and if Storage compaction has
// moved the file the store refuses with STORE_ALIGN instead of erasing someone else's data).
import type { PageStore } from "../log/log";
import { FlashStore, openFlashStore, type FlashModule } from "./flash-store";

/** The part of require("Storage") this store uses. */
export interface StorageModule {
  read(name: string, offset?: number, length?: number): string | undefined;
  write(name: string, data: string | Uint8Array, offset?: number, size?: number): boolean;
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
  return new FlashStore(require(FLASH_MODULE) as FlashModule, () => E.getAddressOf(storage.read(name), true), flashPageSize, storagePages);
}
