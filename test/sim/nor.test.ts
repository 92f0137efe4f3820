import { describe, expect, it } from "vitest";
import { NorFlash, PowerCutError } from "../../sim/flash/nor.js";

function words(...w: number[]): Uint8Array {
  const out = new Uint8Array(w.length * 4);
  const dv = new DataView(out.buffer);
  w.forEach((v, i) => dv.setUint32(i * 4, v >>> 0, true));
  return out;
}

describe("NorFlash (nRF52 NVMC rules)", () => {
  it("starts erased and a write can only clear bits (new = old AND data)", () => {
    const f = new NorFlash({ pageSize: 64, pageCount: 2 });
    expect(Array.from(f.read(0, 8))).toEqual(new Array(8).fill(0xff));
    f.writeWords(0, words(0x0000ffff));
    f.writeWords(0, words(0x00ff00ff));
    expect(new DataView(f.read(0, 4).buffer).getUint32(0, true)).toBe(0x000000ff);
    expect(f.wordWrites).toBe(2);
  });

  it("refuses unaligned writes", () => {
    const f = new NorFlash({ pageSize: 64, pageCount: 1 });
    expect(() => f.writeWords(2, words(0))).toThrow(RangeError);
    expect(() => f.writeWords(0, new Uint8Array(3))).toThrow(RangeError);
  });

  it("erase sets a page to 0xFF and counts per page", () => {
    const f = new NorFlash({ pageSize: 64, pageCount: 2 });
    f.writeWords(64, words(0, 0));
    f.erasePage(1);
    f.erasePage(1);
    expect(Array.from(f.read(64, 8))).toEqual(new Array(8).fill(0xff));
    expect(Array.from(f.eraseCounts)).toEqual([0, 2]);
  });

  it("a power cut during a word write leaves only bits the write would clear, then refuses access", () => {
    const f = new NorFlash({ pageSize: 64, pageCount: 1, seed: 7 });
    f.cutPowerAt({ kind: "wordWrite", at: 2 });
    expect(() => f.writeWords(0, words(0x12345678, 0x0f0f0f0f, 0))).toThrow(PowerCutError);
    const dv = new DataView(f.bytes.buffer);
    expect(dv.getUint32(0, true)).toBe(0x12345678);
    const torn = dv.getUint32(4, true);
    expect((torn & 0x0f0f0f0f) >>> 0).toBe(0x0f0f0f0f); // bits the write keeps at 1 are untouched
    expect(torn).not.toBe(0x0f0f0f0f); // seed 7 leaves this word half-programmed
    expect(dv.getUint32(8, true)).toBe(0xffffffff); // never reached
    expect(() => f.read(0, 4)).toThrow(PowerCutError);
    f.powerOn();
    expect(f.read(0, 4).length).toBe(4);
  });

  it("a power cut during an erase leaves the page neither erased nor intact", () => {
    const f = new NorFlash({ pageSize: 256, pageCount: 1, seed: 3 });
    f.writeWords(0, new Uint8Array(256));
    f.cutPowerAt({ kind: "erase", at: 1 });
    expect(() => f.erasePage(0)).toThrow(PowerCutError);
    const b = f.bytes;
    expect(b.some((x) => x === 0xff)).toBe(true);
    expect(b.some((x) => x !== 0xff)).toBe(true);
  });

  it("a silent write failure reports success but programs nothing", () => {
    const f = new NorFlash({ pageSize: 64, pageCount: 1 });
    f.failSilently(1);
    f.writeWords(0, words(0, 0));
    expect(Array.from(f.read(0, 8))).toEqual([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  });
});
