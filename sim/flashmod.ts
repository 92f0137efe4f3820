// require("Flash") over the simulated NOR flash — https://www.espruino.com/Reference#Flash
import type { NorFlash } from "./flash/nor.js";
import type { BoardProfile } from "./boards.js";

/** Flash write granularity (JSF_ALIGNMENT): 4 bytes on nRF52 and on the host build without 64-bit flash. */
export const FLASH_ALIGNMENT = 4;

/**
 * Writes bytes at any address the way jshFlashWriteAligned (src/jshardware_common.c) does: an unaligned head
 * is merged into the word read back from flash, the aligned middle is written as is, an unaligned tail is
 * merged into the last word read back. Merged bytes are rewritten with their current value, which a NOR
 * write (AND) leaves unchanged.
 */
export function writeAligned(flash: NorFlash, addr: number, data: Uint8Array): void {
  let p = 0;
  let len = data.length;
  if (!len) return;
  const head = addr & (FLASH_ALIGNMENT - 1);
  if (head) {
    const word = flash.read(addr - head, FLASH_ALIGNMENT);
    const n = Math.min(FLASH_ALIGNMENT - head, len);
    word.set(data.subarray(0, n), head);
    flash.writeWords(addr - head, word);
    p += n;
    addr += n;
    len -= n;
    if (!len) return;
  }
  const tail = len & (FLASH_ALIGNMENT - 1);
  const mid = len - tail;
  if (mid) flash.writeWords(addr, data.subarray(p, p + mid));
  p += mid;
  addr += mid;
  if (tail) {
    const word = flash.read(addr, FLASH_ALIGNMENT);
    word.set(data.subarray(p, p + tail), 0);
    flash.writeWords(addr, word);
  }
}

export interface FlashModuleHooks {
  /** Makes a Uint8Array in the firmware's realm. */
  u8(bytes: Uint8Array): Uint8Array;
  /** Makes plain data (objects/arrays) in the firmware's realm. */
  data<T>(v: T): T;
  error(message: string): Error;
  toBytes(v: unknown): Uint8Array;
  /** Called before every API call (power/halt checks, CPU accounting). */
  enter(): void;
}

/** Builds the object require("Flash") returns. */
export function createFlashModule(flash: NorFlash, board: BoardProfile, h: FlashModuleHooks): Record<string, unknown> {
  const chipEnd = board.name === "LINUX" ? board.freeAddress + board.freePages * board.pageSize : 0x80000;
  const chipStart = board.name === "LINUX" ? board.freeAddress : 0;
  const inSim = (addr: number, len: number) => addr >= flash.baseAddress && addr + len <= flash.baseAddress + flash.size;
  const check = (addr: number, len: number, what: string) => {
    if (!inSim(addr, len)) {
      throw h.error(
        `${what} at 0x${addr.toString(16)} (${len} bytes) is outside the simulated flash 0x${flash.baseAddress.toString(16)}-0x${(flash.baseAddress + flash.size).toString(16)} (the interpreter and bootloader live there)`,
      );
    }
  };
  return {
    /** https://www.espruino.com/Reference#l_Flash_getPage — {addr, length} of the page holding addr. */
    getPage(addr: number) {
      h.enter();
      addr = Math.floor(Number(addr));
      if (!(addr >= chipStart && addr < chipEnd)) return undefined;
      const start = addr - (addr % board.pageSize);
      return h.data({ addr: start, length: board.pageSize });
    },
    /** https://www.espruino.com/Reference#l_Flash_getFree — pages between the binary's end and Storage. */
    getFree() {
      h.enter();
      return h.data([{ addr: board.freeAddress, length: board.freePages * board.pageSize }]);
    },
    /** https://www.espruino.com/Reference#l_Flash_erasePage — erases the page containing addr. */
    erasePage(addr: unknown) {
      h.enter();
      const a = Math.floor(Number(addr));
      check(a, 0, "Flash.erasePage");
      flash.erasePage(flash.pageOf(a));
    },
    /** https://www.espruino.com/Reference#l_Flash_write — write(data, addr), any alignment. */
    write(data: unknown, addr: number) {
      h.enter();
      if (data === undefined) throw h.error("Data is not defined");
      const bytes = h.toBytes(data);
      const a = Math.floor(Number(addr));
      const head = a & (FLASH_ALIGNMENT - 1);
      check(a - head, bytes.length + head, "Flash.write");
      writeAligned(flash, a, bytes);
    },
    /** https://www.espruino.com/Reference#l_Flash_read — read(length, addr) → Uint8Array. */
    read(length: number, addr: number) {
      h.enter();
      const n = Math.floor(Number(length));
      if (!(n > 0)) return undefined;
      const a = Math.floor(Number(addr));
      check(a, n, "Flash.read");
      return h.u8(flash.read(a, n));
    },
  };
}
