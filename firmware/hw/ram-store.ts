// A PageStore in RAM, with flash's rules (a write only clears bits, an erase sets 0xFF): the log and the state
// area of a board with no flash region for them (a stock interpreter leaves no free pages, and a Storage file
// big enough cannot sit next to the bundle: docs/log-format.md "Where the log lives"). Records then survive
// until the next reset only; the cap says so over BLE (Status alert bit 4) so that a cap on the wrong
// interpreter is never silently useless. Only built on that path: a normal cap pays for the code alone.
import type { PageStore } from "../log/log";

export function ramStore(pageSize: number, pageCount: number): PageStore {
  const mem = new Uint8Array(pageSize * pageCount).fill(0xff);
  return {
    pageSize: pageSize,
    pageCount: pageCount,
    read: function (p: number, o: number, n: number): Uint8Array {
      // a copy, as Flash.read gives (typed-array slice() does not give a typed array on Espruino 2v29)
      return new Uint8Array(mem.subarray(p * pageSize + o, p * pageSize + o + n));
    },
    write: function (p: number, o: number, d: Uint8Array): void {
      for (let i = 0; i < d.length; i++) mem[p * pageSize + o + i] &= d[i];
    },
    erase: function (p: number): void {
      mem.fill(0xff, p * pageSize, (p + 1) * pageSize);
    },
  };
}
