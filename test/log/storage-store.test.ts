// The Storage-file page store, over the NOR model with a stand-in for the file's position (the simulator's
// real Storage comes at integration): alignment inside the file, read-back, refusal after a move, and the
// power-cut guarantees of the log through this store.
import { beforeAll, describe, expect, it } from "vitest";
import { NorFlash } from "../../sim/flash/nor.js";
import { storageFileSize } from "../../firmware/hw/storage-store.js";
import { FlashStore } from "../../firmware/hw/flash-store.js";
import { DoseLog } from "../../firmware/log/log.js";
import { T_DOSE } from "../../firmware/log/record.js";
import { flashShim, installCrc } from "./helpers.js";
import { Harness } from "./harness.js";

beforeAll(installCrc);

const PS = 256;
const BASE = 0x10000000;

function makeStorageStore(pages: number, fileAt: number, seed = 1) {
  // Flash big enough for a file of (pages + 1) pages starting at an unaligned address, plus a page.
  const nor = new NorFlash({ pageSize: PS, pageCount: pages + 3, baseAddress: BASE, seed });
  let dataAt = BASE + fileAt;
  const store = new FlashStore(flashShim(nor), () => dataAt, PS, pages);
  return { nor, store, move: (to: number) => (dataAt = BASE + to) };
}

describe("FlashStore in a Storage file (the fallback)", () => {
  it("uses only whole flash pages strictly inside the file", () => {
    expect(storageFileSize(4096, 4)).toBe(5 * 4096);
    const { nor, store } = makeStorageStore(4, 0x40 + 32);
    const log = new DoseLog(store);
    log.mount();
    for (let k = 0; k < 200; k++) log.append(T_DOSE, 0, k, k, 0);
    // The file's first bytes (before the first page boundary) and the bytes after its end are untouched.
    expect(nor.bytes.subarray(0, PS).every((b) => b === 0xff)).toBe(true);
    const fileEnd = 0x40 + 32 + storageFileSize(PS, 4);
    expect(nor.bytes.subarray(fileEnd).every((b) => b === 0xff)).toBe(true);
  });

  it("a page-aligned file start still leaves byte 0 of the file alone", () => {
    const { nor, store } = makeStorageStore(3, PS);
    const log = new DoseLog(store);
    log.mount();
    log.append(T_DOSE, 0, 1, 1, 0);
    expect(nor.bytes.subarray(PS, 2 * PS).every((b) => b === 0xff)).toBe(true);
  });

  it("refuses to write or erase once the file has moved (Storage compaction)", () => {
    const { store, move } = makeStorageStore(3, 0x80);
    const log = new DoseLog(store);
    log.mount();
    log.append(T_DOSE, 0, 1, 1, 0);
    move(0x80 + PS * 2 + 0x40);
    expect(() => log.append(T_DOSE, 0, 2, 2, 0)).toThrow();
    try { log.append(T_DOSE, 0, 2, 2, 0); } catch (e) { expect(e).toMatchObject({ code: "STORE_ALIGN" }); }
    expect(() => store.erase(0)).toThrow();
  });

  it("refuses a file whose flash address is unknown (Storage not memory-mapped, as on the host build)", () => {
    const nor = new NorFlash({ pageSize: PS, pageCount: 4, baseAddress: BASE });
    try {
      new FlashStore(flashShim(nor), () => 0, PS, 3);
      throw new Error("no throw");
    } catch (e) {
      expect(e).toMatchObject({ code: "STORE_ALIGN" });
    }
  });

  it("keeps every acknowledged record through a power cut at every word write and erase", () => {
    const N = 120;
    const ref = makeStorageStore(4, 0x64);
    const h0 = new Harness(ref.nor, ref.store);
    expect(h0.run(N)).toBe(true);
    const total = { wordWrite: ref.nor.wordWrites, erase: ref.nor.erases };
    for (const kind of ["wordWrite", "erase"] as const) {
      for (let at = 1; at <= total[kind]; at++) {
        const { nor, store } = makeStorageStore(4, 0x64, at);
        nor.cutPowerAt({ kind, at });
        const h = new Harness(nor, store);
        expect(h.run(N)).toBe(false);
        const rep = h.reboot();
        expect(rep.badSlots).toBe(0);
        expect(h.run(20)).toBe(true);
        h.reboot();
      }
    }
  });
});
