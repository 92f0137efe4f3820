// Test-side pieces: a CRC-32 for Node (on the device E.CRC32 is native) and a require("Flash") shim over
// the project's NOR flash model, so the real FlashStore runs against torn writes and erases.
import { NorFlash } from "../../sim/flash/nor.js";
import { crc32 as simCrc32 } from "../../sim/bytes.js";
import { setCrc32 } from "../../firmware/log/record.js";
import { FlashStore, type FlashModule } from "../../firmware/hw/flash-store.js";

/** CRC-32 (IEEE, reflected, as E.CRC32): the simulator's, over a slice. */
export function crc32(buf: Uint8Array, off: number, len: number): number {
  return simCrc32(buf.subarray(off, off + len));
}

export function installCrc(): void {
  setCrc32(crc32);
}

/** What require("Flash") gives on the device, over a NorFlash. */
export function flashShim(nor: NorFlash): FlashModule {
  return {
    read: (length, addr) => nor.read(addr, length),
    write: (data, addr) => nor.writeWords(addr, data),
    erasePage: (addr) => nor.erasePage(nor.pageOf(addr)),
    getFree: () => [{ addr: nor.baseAddress, length: nor.size }],
    getPage: (addr) => {
      const p = nor.pageOf(addr);
      return { addr: nor.baseAddress + p * nor.pageSize, length: nor.pageSize };
    },
  };
}

export function makeFlash(pageSize: number, pageCount: number, seed = 1): { nor: NorFlash; store: FlashStore } {
  const nor = new NorFlash({ pageSize, pageCount, baseAddress: 0x10000000, seed });
  const store = new FlashStore(flashShim(nor), nor.baseAddress + nor.size, pageSize, pageCount);
  return { nor, store };
}

/** Flash page index (NorFlash's) of a FlashStore page index: the store counts pages down from the top. */
export function norPage(pageCount: number, storePage: number): number {
  return pageCount - 1 - storePage;
}
