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

// The nRF52 figures of the board decision (docs/log-format.md): constants in code rather than parameters
// (each parameter costs RAM on Espruino, and the one caller always passed these).
const enum L {
  MIN_FLASH_PAGES = 4,
  MAX_FLASH_PAGES = 32,
  STORAGE_PAGES = 3,
  FLASH_PAGE_SIZE = 4096,
}
const LOG_FILE = "doselog";

/**
 * The board decision of docs/log-format.md, on nRF52: raw flash pages from Flash.getFree() when there are at
 * least 4 (taking at most 32), otherwise 3 pages of 4096 bytes in the Storage file "doselog".
 * Returns null when neither is possible.
 */
export function openLogStore(): PageStore | null {
  const fs = openFlashStore(L.MIN_FLASH_PAGES, L.MAX_FLASH_PAGES);
  if (fs) return fs;
  // The Storage file as a page store (created once, at full size); null when the file cannot be created
  // (Storage too full).
  const storage = require(STORAGE_MODULE) as StorageModule;
  const size = storageFileSize(L.FLASH_PAGE_SIZE, L.STORAGE_PAGES);
  const cur = storage.read(LOG_FILE);
  if (cur === undefined || cur.length !== size) {
    // Created once: one byte at offset 0 and the rest left erased. Never written through Storage again.
    if (!storage.write(LOG_FILE, "L", 0, size)) return null;
  }
  return new FlashStore(require(FLASH_MODULE) as FlashModule, () => E.getAddressOf(storage.read(LOG_FILE), true), L.FLASH_PAGE_SIZE, L.STORAGE_PAGES);
}
