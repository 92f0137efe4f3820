// require("Storage") over pages of the simulated NOR flash, with the on-flash layout and rules of Espruino's
// src/jsflash.c (https://www.espruino.com/Reference#Storage):
// - a file is a 32-byte header {u32 size (flags in the top 8 bits), 28-byte zero-padded name} and its data,
//   the next header at the next 4-byte-aligned address; files are appended after the last one;
// - erasing/replacing a file clears the first 4 name bytes in place (a write that only clears bits);
// - write(name, data) creates a new copy unless the same size/contents can be reused; write with an offset
//   writes into an existing file and refuses to write over bytes that are not erased;
// - when no hole is big enough, and compacting would make enough room, the area is compacted (compact() below:
//   jsfCompactInternal's order of erases and writes) — a power cut during compaction loses what was only in its
//   RAM buffer, as on the real device (.bootcde included).
import type { NorFlash } from "./flash/nor.js";
import { FLASH_ALIGNMENT, writeAligned } from "./flashmod.js";
import { bytesToString } from "./bytes.js";

const HEADER = 32;
const NAME_LEN = 28;
const UNSET = 0xffffffff;
const FLAG_STORAGEFILE = 64;
const FLAG_COMPRESSED = 128;

interface Header {
  size: number; // raw, flags in the top 8 bits
  name: Uint8Array; // 28 bytes
}

function align(a: number): number {
  return (a + FLASH_ALIGNMENT - 1) & ~(FLASH_ALIGNMENT - 1);
}
function fileSize(h: Header): number {
  return h.size & 0x00ffffff;
}
function fileFlags(h: Header): number {
  return h.size >>> 24;
}
function firstChars(h: Header): number {
  return (h.name[0] | (h.name[1] << 8) | (h.name[2] << 16) | (h.name[3] << 24)) >>> 0;
}

export class StorageError extends Error {}

export interface StorageStats {
  totalBytes: number;
  freeBytes: number;
  fileBytes: number;
  fileCount: number;
  trashBytes: number;
  trashCount: number;
}

export class EspruinoStorage {
  readonly start: number;
  readonly end: number;
  /** How many compactions ran (tests and the summary read it). */
  compactions = 0;

  constructor(
    readonly flash: NorFlash,
    start: number,
    pages: number,
  ) {
    this.start = start;
    this.end = start + pages * flash.pageSize;
  }

  static nameBytes(name: string): Uint8Array {
    if (name.length === 0 || name.length > NAME_LEN) throw new StorageError(`Storage filename must be 1-${NAME_LEN} characters, got ${JSON.stringify(name)}`);
    const out = new Uint8Array(NAME_LEN);
    for (let i = 0; i < name.length; i++) out[i] = name.charCodeAt(i) & 0xff;
    return out;
  }

  private header(addr: number): Header | null {
    if (addr + HEADER > this.end) return null;
    const b = this.flash.read(addr, HEADER);
    const size = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
    const h = { size, name: b.slice(4) };
    if (size === UNSET || size === 0 || addr + HEADER + fileSize(h) > this.end) return null;
    return h;
  }

  private pageStart(addr: number): number {
    return addr - ((addr - this.flash.baseAddress) % this.flash.pageSize);
  }

  /** jsfGetAddressOfNextPage: start of the page after addr's, or 0. */
  private nextPage(addr: number): number {
    const n = this.pageStart(addr) + this.flash.pageSize;
    return n >= this.end ? 0 : n;
  }

  /** jsfGetNextFileHeader: [address, header or null]; address 0 when there is no room for another header. */
  private next(addr: number, h: Header, all: boolean): [number, Header | null] {
    let a = align(addr + fileSize(h) + HEADER);
    if (a + HEADER > this.end) return [0, null];
    let hh = this.header(a);
    if (all && !hh) {
      a = this.nextPage(a);
      if (!a) return [0, null];
      hh = this.header(a);
    }
    return [a, hh];
  }

  /** Every header (live and replaced) in order. */
  private scan(): Array<{ addr: number; h: Header }> {
    const out: Array<{ addr: number; h: Header }> = [];
    let addr = this.start;
    let h = this.header(addr);
    while (h) {
      out.push({ addr, h });
      [addr, h] = this.next(addr, h, true);
    }
    return out;
  }

  private isLive(h: Header): boolean {
    const f = fileFlags(h);
    return firstChars(h) !== 0 && (f === 0 || f === FLAG_STORAGEFILE || f === FLAG_COMPRESSED);
  }

  private find(name: string): { addr: number; h: Header } | null {
    const nb = EspruinoStorage.nameBytes(name);
    for (const e of this.scan()) {
      if (firstChars(e.h) !== 0 && e.h.name.every((c, i) => c === nb[i])) return { addr: e.addr + HEADER, h: e.h };
    }
    return null;
  }

  private isErased(addr: number, len: number): boolean {
    if (len <= 0) return true;
    return this.flash.read(addr, len).every((b) => b === 0xff);
  }

  private spaceLeftInPage(addr: number): number {
    let next = this.pageStart(addr) + this.flash.pageSize;
    if (next < this.end && !this.header(next)) next = this.end;
    return next - addr;
  }

  private eraseAt(dataAddr: number): void {
    // Clear the first 4 name bytes: "replaced".
    this.flash.writeWords(dataAddr - HEADER + 4, new Uint8Array(4));
  }

  private create(name: string, size: number, flags: number): { addr: number; h: Header } {
    const required = align(size) + HEADER;
    let compacted = false;
    for (;;) {
      let addr = this.start;
      let free = 0;
      let trash = 0;
      let found = 0;
      do {
        let h = this.header(addr);
        while (h) {
          if (firstChars(h) === 0) trash += fileSize(h);
          [addr, h] = this.next(addr, h, false);
        }
        const space = addr ? this.spaceLeftInPage(addr) : 0;
        free += space;
        if (space < required) addr = addr ? this.nextPage(addr) : 0;
        else found = addr;
      } while (addr && !found);
      if (found) {
        const hb = new Uint8Array(HEADER);
        new DataView(hb.buffer).setUint32(0, (size | (flags << 24)) >>> 0, true);
        const nb = EspruinoStorage.nameBytes(name);
        hb.set(nb, 4);
        this.flash.writeWords(found, hb);
        return { addr: found + HEADER, h: { size: (size | (flags << 24)) >>> 0, name: nb } };
      }
      if (!compacted && required < free + trash) {
        // "only try and compact if we're sure there would be enough space"; a compaction that frees nothing
        // fails the create (jsfCreateFile returns 0).
        compacted = true;
        if (!this.compact()) throw new StorageError("Unable to find or create file");
        continue;
      }
      throw new StorageError("Unable to find or create file");
    }
  }

  /**
   * jsfGetStorageStats(start, allPages = true) with jsfGetStorageStats' `firstPageWithErasedFiles`: the start of
   * the last page, before the first replaced file, that begins with a header (a file straddling a page start
   * keeps that page out: compaction must start where a header is).
   */
  private compactStats(): { fileBytes: number; trashBytes: number; firstPageWithErasedFiles: number } {
    let fileBytes = 0;
    let trashBytes = 0;
    let firstPage = 0;
    let lastUnbroken = this.start;
    for (const e of this.scan()) {
      if (this.pageStart(e.addr) === e.addr) lastUnbroken = e.addr;
      const sz = align(fileSize(e.h)) + HEADER;
      if (firstChars(e.h) !== 0) fileBytes += sz;
      else {
        trashBytes += sz;
        if (!firstPage) firstPage = lastUnbroken;
      }
    }
    return { fileBytes, trashBytes, firstPageWithErasedFiles: firstPage };
  }

  /**
   * jsfCompact → jsfBankCompact → jsfCompactInternal (src/jsflash.c, 2v29), in the same order of flash
   * operations, so that a power cut can land in each of them and leave what the device would leave:
   * - nothing to do (false) when no file is replaced;
   * - a circular RAM buffer of min(live file bytes, page size + 32) bytes; from the first page holding a
   *   replaced file on, every live file (header, then its data) is read into the buffer, and the buffer is
   *   written out at the write address as soon as the reader has left the page being written
   *   (jsfCompactWriteBuffer: "skip write as we're still reading from the page");
   * - a write that starts a page first erases it (jshFlashErasePage), so between that erase and the last write
   *   into the page, the page's old contents exist only in the RAM buffer: a cut there loses them — files that
   *   did not move at all (.bootcde at the start of Storage) are erased and written back like the others;
   * - finally the pages after the last one written, up to the end of the old files, are erased
   *   (jshFlashErasePages: whole pages on nRF52, targets/nrf5x/jshardware.c).
   * The watchdog kicks of the C code are the NOR model's (each erase kicks it, device.ts).
   */
  compact(): boolean {
    const stats = this.compactStats();
    if (!stats.trashBytes) return false; // "Already fully compacted"
    const ps = this.flash.pageSize;
    let size = stats.fileBytes;
    if (size > ps + HEADER) size = ps + HEADER; // maxRequired = pageSize + sizeof(JsfFileHeader)
    this.compactions++;
    return this.compactInternal(stats.firstPageWithErasedFiles, new Uint8Array(size));
  }

  private compactInternal(startAddress: number, buf: Uint8Array): boolean {
    const size = buf.length;
    let writeAddress = startAddress;
    let head = 0;
    let tail = 0;
    let used = 0;
    const push = (bytes: Uint8Array) => {
      // memcpy_circular
      for (const b of bytes) {
        buf[head] = b;
        head = (head + 1) % size;
      }
    };
    const writeBuffer = (readAddress: number) => {
      // jsfCompactWriteBuffer
      const endAddr = this.end;
      let nextFlashPage = this.nextPage(writeAddress) || endAddr;
      while (used) {
        let s = used;
        if (s + tail > size) s = size - tail; // don't read past the end: it's circular
        if (s + writeAddress > nextFlashPage) s = nextFlashPage - writeAddress; // don't write into a new page
        if (readAddress < nextFlashPage) return; // still reading from that page
        if (this.pageStart(writeAddress) === writeAddress) this.flash.erasePage(this.flash.pageOf(writeAddress));
        this.flash.writeWords(writeAddress, buf.slice(tail, tail + s));
        writeAddress += s;
        nextFlashPage = this.nextPage(writeAddress) || endAddr;
        tail = (tail + s) % size;
        used -= s;
      }
    };
    let addr = startAddress;
    let h = this.header(addr);
    while (h) {
      if (this.isLive(h)) {
        push(this.flash.read(addr, HEADER));
        used += HEADER;
        let alignedSize = align(fileSize(h));
        let alignedPtr = addr + HEADER;
        writeBuffer(alignedPtr);
        while (alignedSize) {
          let s = size - used;
          if (s > size - head) s = size - head;
          if (tail > head && s > tail - head) s = tail - head;
          if (s === 0) return false; // "compact> error - no space left!"
          if (s > alignedSize) s = alignedSize;
          buf.set(this.flash.read(alignedPtr, s), head);
          alignedSize -= s;
          alignedPtr += s;
          used += s;
          head = (head + s) % size;
          writeBuffer(alignedPtr);
        }
      }
      [addr, h] = this.next(addr, h, true);
    }
    writeBuffer(this.end);
    // "Finished - erase remaining": from the page after the last byte written to where the old files ended.
    if (writeAddress !== startAddress) writeAddress = this.nextPage(writeAddress - 1);
    if (writeAddress) {
      if (!addr) addr = this.end;
      for (let a = writeAddress; a + this.flash.pageSize <= addr; a += this.flash.pageSize) this.flash.erasePage(this.flash.pageOf(a));
    }
    return true;
  }

  /** https://www.espruino.com/Reference#l_Storage_write (jsfWriteFile). */
  write(name: string, data: Uint8Array, offset = 0, size = 0): boolean {
    if (offset < 0 || size < 0) return false;
    if (size === 0) size = data.length;
    if (!size) throw new StorageError("Can't create zero length file");
    let f = this.find(name);
    if ((!f && offset === 0) || (f && offset === 0 && (fileFlags(f.h) !== 0 || fileSize(f.h) !== size || !this.isErased(f.addr, size)))) {
      if (f && offset === 0 && size === fileSize(f.h) && fileFlags(f.h) === 0 && data.length === size) {
        const cur = this.flash.read(f.addr, size);
        if (cur.every((b, i) => b === data[i])) return true; // same contents: nothing to write
      }
      if (f) this.eraseAt(f.addr);
      f = this.create(name, size, 0);
    }
    if (!f) throw new StorageError("Unable to find or create file");
    if (offset + data.length > fileSize(f.h)) throw new StorageError("Too much data for file size");
    const at = f.addr + offset;
    if (!this.isErased(at, data.length)) throw new StorageError("File already written with different data");
    writeAligned(this.flash, at, data);
    return true;
  }

  /** Contents of a file, or undefined (https://www.espruino.com/Reference#l_Storage_read). */
  readBytes(name: string, offset = 0, length = 0): Uint8Array | undefined {
    return this.readMapped(name, offset, length)?.bytes;
  }

  /** The bytes and the flash address they were read from (Storage.read is memory-mapped on nRF52). */
  readMapped(name: string, offset = 0, length = 0): { bytes: Uint8Array; addr: number } | undefined {
    const f = this.find(name);
    if (!f) return undefined;
    const len = fileSize(f.h);
    if (offset < 0) offset = 0;
    if (length <= 0) length = len;
    if (offset > len) offset = len;
    if (offset + length > len) length = len - offset;
    if (length <= 0) return { bytes: new Uint8Array(0), addr: 0 };
    return { bytes: this.flash.read(f.addr + offset, length), addr: f.addr + offset };
  }

  read(name: string, offset = 0, length = 0): string | undefined {
    const b = this.readBytes(name, offset, length);
    return b && bytesToString(b);
  }

  erase(name: string): void {
    const f = this.find(name);
    if (f) this.eraseAt(f.addr);
  }

  eraseAll(): void {
    for (let a = this.start; a < this.end; a += this.flash.pageSize) this.flash.erasePage(this.flash.pageOf(a));
  }

  list(): string[] {
    return this.scan()
      .filter((e) => this.isLive(e.h))
      .map((e) => {
        let n = "";
        for (const c of e.h.name) {
          if (!c) break;
          n += String.fromCharCode(c);
        }
        return n;
      });
  }

  stats(): StorageStats {
    const s: StorageStats = { totalBytes: this.end - this.start, freeBytes: 0, fileBytes: 0, fileCount: 0, trashBytes: 0, trashCount: 0 };
    let last = this.start;
    for (const e of this.scan()) {
      const sz = align(fileSize(e.h)) + HEADER;
      last = e.addr + sz;
      if (firstChars(e.h) !== 0) {
        s.fileBytes += sz;
        s.fileCount++;
      } else {
        s.trashBytes += sz;
        s.trashCount++;
      }
    }
    s.freeBytes = this.end - last;
    return s;
  }

  /**
   * jsfIsStorageValid(JSFSTT_NORMAL) (src/jsflash.c, jsfIsBankStorageValid), which src/jsinteractive.c runs at
   * every hardware reset (JSIS_FIRST_BOOT) and answers with jsfResetStorage — the whole area erased — when it is
   * false: the chain of headers must end in a header of 32 × 0xFF (or at the end of the area); an empty Storage
   * must be erased throughout.
   */
  isValid(): boolean {
    const full = (a: number) => this.flash.read(a, HEADER);
    let addr = this.start;
    let raw = full(addr);
    let h = this.header(addr);
    if (h) {
      let oldAddr = addr;
      for (;;) {
        // jsfGetNextFileHeader(GNFH_GET_ALL), keeping the bytes of the last header read as the C struct does
        let a = align(addr + fileSize(h!) + HEADER);
        if (a + HEADER > this.end) {
          addr = 0;
          break;
        }
        raw = full(a);
        let hh = this.header(a);
        if (!hh) {
          a = this.nextPage(a);
          if (!a) {
            addr = 0;
            break;
          }
          raw = full(a);
          hh = this.header(a);
        }
        addr = a;
        if (!hh) break;
        h = hh;
        oldAddr = addr;
      }
      if (!addr) {
        const size = (raw[0] | (raw[1] << 8) | (raw[2] << 16)) >>> 0;
        const newAddr = align(oldAddr + size + HEADER);
        if (newAddr <= this.end && newAddr + HEADER > this.end) return true; // full: fine
      }
    }
    const allFF = raw.every((b) => b === 0xff);
    if (allFF && addr === this.start) return this.isErased(addr, this.end - addr);
    return allFF;
  }

  /** https://www.espruino.com/Reference#l_Storage_getFree — free bytes after the last file. */
  getFree(): number {
    return this.stats().freeBytes;
  }
}
