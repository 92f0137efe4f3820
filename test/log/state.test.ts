// The state area (firmware/log/state.ts) against its spec in docs/log-format.md ("State area"), on the NOR model:
// byte layout, newest-serial-wins, page changes, foreign data, the erase gate, and a power cut at every word
// write and every erase across two page changes: the state after the cut is the one before or the one after
// the interrupted commit, never anything else.
import { describe, expect, it } from "vitest";
import { KIND_OTHER, StateArea, T_STATE } from "../../firmware/log/state.js";
import { encodeRecord, recordCheck } from "../../firmware/log/record.js";
import { PowerCutError } from "../../sim/flash/nor.js";
import { installCrc, makeFlash, norPage } from "./helpers.js";

installCrc();

const PS = 256; // 16 slots a page

function area(store: ReturnType<typeof makeFlash>["store"]): StateArea {
  const a = new StateArea(store, 0);
  a.mount();
  return a;
}

describe("state area: format", () => {
  it("a blank area has no state; the first commit is the record of docs/log-format.md at slot 0 of page 0", () => {
    const { nor, store } = makeFlash(PS, 2);
    const a = new StateArea(store, 0);
    expect(a.mount()).toBe(false);
    expect([a.serial, a.marker, a.bootCount, a.crashes, a.flags]).toEqual([0, 0, 0, 0, 0]);
    a.marker = 0x12345678;
    a.bootCount = 0x0102;
    a.crashes = 3;
    a.flags = 1;
    a.commit();
    // store page 0 is the NOR's top page (pages count down from the top)
    const off = norPage(2, 0) * PS;
    const b = nor.bytes.slice(off, off + 16);
    // serial u24 1 + kind byte | marker u32 | type 0x10 | flags | boot count u16 | crashes u16 | check u16
    expect(Array.from(b.subarray(0, 14))).toEqual([1, 0, 0, KIND_OTHER, 0x78, 0x56, 0x34, 0x12, T_STATE, 1, 0x02, 0x01, 3, 0]);
    const check = b[14] | (b[15] << 8);
    expect(check).toBe(recordCheck(b));
    const back = area(store);
    expect([back.serial, back.marker, back.bootCount, back.crashes, back.flags]).toEqual([1, 0x12345678, 0x0102, 3, 1]);
  });

  it("the newest serial wins, across both pages; a page change erases the other page only when it is not blank", () => {
    const { nor, store } = makeFlash(PS, 2);
    const a = area(store);
    for (let i = 1; i <= 16; i++) {
      a.bootCount = i;
      a.commit();
    }
    expect(nor.erases).toBe(0);
    a.bootCount = 17;
    a.commit(); // page 1, blank: no erase
    expect(nor.erases).toBe(0);
    expect(area(store).bootCount).toBe(17);
    for (let i = 18; i <= 33; i++) {
      a.bootCount = i;
      a.commit(); // the 33rd goes back to page 0, which must be erased first
    }
    expect(nor.erases).toBe(1);
    const b = area(store);
    expect([b.serial, b.bootCount]).toEqual([33, 33]);
  });

  it("ignores records of other types (a dose log page) and foreign bytes; never writes over them", () => {
    const { nor, store } = makeFlash(PS, 2);
    const rec = new Uint8Array(16);
    encodeRecord(rec, 99, 0x01, 0, 1764000000, 20, 0);
    nor.writeWords(nor.baseAddress + norPage(2, 0) * PS, rec);
    nor.writeWords(nor.baseAddress + norPage(2, 0) * PS + 16, new Uint8Array(16).fill(0x5a));
    const a = area(store);
    expect(a.serial).toBe(0);
    a.bootCount = 1;
    a.commit();
    expect(Array.from(nor.bytes.slice(norPage(2, 0) * PS, norPage(2, 0) * PS + 16))).toEqual(Array.from(rec));
    expect(area(store).bootCount).toBe(1);
  });

  it("refuses a page change that needs an erase when erases are not allowed (ERASE_LOW_BATTERY), keeps the old state", () => {
    const { nor, store } = makeFlash(PS, 2);
    const a = area(store);
    for (let i = 1; i <= 32; i++) {
      a.bootCount = i;
      a.commit();
    }
    a.eraseAllowed = false;
    a.bootCount = 33;
    expect(() => a.commit()).toThrow(expect.objectContaining({ code: "ERASE_LOW_BATTERY" }));
    expect(nor.erases).toBe(0);
    expect(area(store).bootCount).toBe(32);
  });
});

describe("state area: a power cut at every word write and every erase", () => {
  // 40 commits: two page changes (one onto a blank page, one with an erase)
  const N = 40;
  function run(plan?: { kind: "wordWrite" | "erase"; at: number }): { committed: number; threw: boolean; store: ReturnType<typeof makeFlash>["store"] } {
    const { nor, store } = makeFlash(PS, 2, plan ? plan.at * 7 + 1 : 1);
    if (plan) nor.cutPowerAt(plan);
    let committed = 0;
    let threw = false;
    try {
      for (let i = 1; i <= N; i++) {
        const a = area(store); // every commit as its own boot: mount from flash each time
        a.bootCount = i;
        a.marker = i * 3;
        a.commit();
        committed = i;
      }
    } catch (e) {
      if (!(e instanceof PowerCutError)) throw e;
      threw = true;
      nor.powerOn();
    }
    return { committed, threw, store };
  }

  it("leaves the state of before or after the interrupted commit, and the next commit works", () => {
    const probe = makeFlash(PS, 2);
    let writes = 0;
    let erases = 0;
    {
      const r = run();
      expect(r.committed).toBe(N);
    }
    // count the operations of the probe run
    {
      const { nor, store } = probe;
      for (let i = 1; i <= N; i++) {
        const a = area(store);
        a.bootCount = i;
        a.marker = i * 3;
        a.commit();
      }
      writes = nor.wordWrites;
      erases = nor.erases;
    }
    expect(writes).toBe(N * 5);
    expect(erases).toBe(1);
    const plans = [
      ...Array.from({ length: writes }, (_, k) => ({ kind: "wordWrite" as const, at: k + 1 })),
      ...Array.from({ length: erases }, (_, k) => ({ kind: "erase" as const, at: k + 1 })),
    ];
    for (const plan of plans) {
      const r = run(plan);
      expect(r.threw).toBe(true);
      const a = area(r.store);
      // the interrupted commit is number r.committed + 1: its state or the one before
      expect([r.committed, r.committed + 1]).toContain(a.bootCount);
      expect(a.marker).toBe(a.bootCount * 3);
      // and the area goes on working
      a.bootCount = 1000;
      a.marker = 3000;
      a.commit();
      const b = area(r.store);
      expect([b.bootCount, b.marker]).toEqual([1000, 3000]);
    }
  });
});

describe("state area: a removal's commit torn by a power cut", () => {
  it("shows as an opened session (MARKER_TORN) after a cut at any of its word writes; other commits never do", async () => {
    const { KIND_MARKER_SET, MARKER_TORN } = await import("../../firmware/log/state.js");
    let seen = 0;
    for (let at = 1; at <= 5; at++) {
      for (const kind of [KIND_MARKER_SET, undefined]) {
        const { nor, store } = makeFlash(PS, 2, at * 13 + 1);
        const a = area(store);
        a.bootCount = 1;
        a.commit();
        nor.cutPowerAt({ kind: "wordWrite", at });
        a.marker = 42;
        expect(() => a.commit(kind)).toThrow(PowerCutError);
        nor.powerOn();
        const b = area(store);
        expect(b.serial).toBe(1);
        if (kind === undefined) expect(b.marker).toBe(0);
        else {
          // a torn first word keeps byte 3 at 0xFF only if none of its 8 bits cleared (1 in 256)
          expect(b.marker).toBe(MARKER_TORN);
          seen++;
        }
      }
    }
    expect(seen).toBe(5);
  });
});
