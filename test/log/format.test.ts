// The bytes in flash against docs/log-format.md, and damaged page headers.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { DoseLog } from "../../firmware/log/log.js";
import { T_BOOT, T_DOSE } from "../../firmware/log/record.js";
import { classifyHeader, encodeHeader, H_BAD, H_BLANK, H_LIVE, H_RETIRED } from "../../firmware/log/page.js";
import { installCrc, makeFlash, norPage } from "./helpers.js";
import { Harness } from "./harness.js";

beforeAll(installCrc);

describe("docs/log-format.md", () => {
  it("the example dump in the doc is exactly what the log writes", () => {
    const doc = readFileSync(new URL("../../docs/log-format.md", import.meta.url), "utf8");
    const block = doc.split("## Example: a raw dump decoded by hand")[1].split("```")[1];
    const lines = block.trim().split("\n");
    const { nor, store } = makeFlash(1024, 3);
    const log = new DoseLog(store);
    log.mount();
    log.append(T_BOOT, 0x00, 12, 3, 1);
    log.append(T_DOSE, 0x12, 1764000000, 2, (9 << 8) | 21);
    expect(lines.length).toBe(5);
    for (const line of lines) {
      const [addr, bytes] = line.split(":");
      const a = parseInt(addr, 16) - 0x10000000;
      const want = bytes.trim().split(" ").map((h) => parseInt(h, 16));
      expect(Array.from(nor.bytes.subarray(a, a + 16))).toEqual(want);
    }
    expect(norPage(3, 0) * 1024).toBe(0x800); // page 0 is the top page of the region
  });

  it("header classes", () => {
    const h = new Uint8Array(32).fill(0xff);
    expect(classifyHeader(h, 1024)).toBe(H_BLANK);
    encodeHeader(h, 7, 100, 3, 1024);
    expect(classifyHeader(h, 1024)).toBe(H_LIVE);
    expect(classifyHeader(h, 4096)).not.toBe(H_LIVE); // another geometry
    h[28] = 0x7f; // any cleared bit in the state word retires the page
    expect(classifyHeader(h, 1024)).toBe(H_RETIRED);
    h[9] ^= 1; // page sequence damaged
    expect(classifyHeader(h, 1024)).toBe(H_BAD);
  });
});

describe("damaged page headers", () => {
  function filled(pages: number, appends: number) {
    const { nor, store } = makeFlash(256, pages);
    const log = new DoseLog(store);
    log.mount();
    for (let k = 0; k < appends; k++) log.append(T_DOSE, 0, k, k & 0xffff, 0);
    return { nor, store };
  }
  const readAll = (log: DoseLog) => {
    const out = new Uint8Array(16);
    const seqs: number[] = [];
    for (let s = log.readFrom(0, out); s >= 0; s = log.readFrom(s + 1, out)) seqs.push(s);
    return seqs;
  };

  it("a damaged header between two good pages: its records stay readable, the damage is reported", () => {
    const { nor, store } = filled(6, 14 * 4 + 3); // pages 0..4 used, head = page 4
    nor.bytes[norPage(6, 2) * 256 + 9] ^= 0x40; // page 2's page sequence
    const log = new DoseLog(store);
    const rep = log.mount();
    expect(rep).toMatchObject({ damagedPages: 1, corruptPage: 2, formatted: false });
    expect(readAll(log)).toEqual(Array.from({ length: 14 * 4 + 3 }, (_, i) => i + 1));
    expect(log.append(T_DOSE, 0, 0, 0, 0)).toBe(14 * 4 + 4);
  });

  it("a damaged head header: the page is adopted, nothing lost, no seq reused", () => {
    const { nor, store } = filled(6, 14 * 2 + 5); // head = page 2 with 5 records
    nor.bytes[norPage(6, 2) * 256 + 13] ^= 0x01; // head's first seq
    const log = new DoseLog(store);
    const rep = log.mount();
    expect(rep.damagedPages).toBe(1);
    expect(readAll(log)).toEqual(Array.from({ length: 33 }, (_, i) => i + 1));
    expect(log.append(T_DOSE, 0, 0, 0, 0)).toBe(34);
  });

  it("a foreign region: a cut at any write or erase of the first mount and appends still ends in a working log", () => {
    const foreign = (seed: number) => {
      const f = makeFlash(256, 4, seed);
      for (let i = 0; i < f.nor.size; i++) f.nor.bytes[i] = (i * 131 + 7) & 0xff;
      return f;
    };
    const ref = foreign(1);
    const h0 = new Harness(ref.nor, ref.store);
    expect(h0.lastReport).toMatchObject({ formatted: true, reason: "foreign", erases: 1 });
    expect(h0.run(60)).toBe(true);
    for (const kind of ["wordWrite", "erase"] as const) {
      const total = kind === "erase" ? ref.nor.erases : ref.nor.wordWrites;
      for (let at = 1; at <= total; at++) {
        const { nor, store } = foreign(at + 1);
        nor.cutPowerAt({ kind, at });
        const h = new Harness(nor, store);
        expect(h.run(60)).toBe(false);
        h.reboot();
        expect(h.run(30)).toBe(true);
        h.reboot();
      }
    }
  });
});
