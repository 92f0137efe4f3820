import { beforeAll, describe, expect, it } from "vitest";
import {
  encodeRecord, recA, recB, recFlags, recordCheck, recordValid, recSeq, recStoredCheck, recTime, recType,
  RECORD_SIZE, T_BOOT, T_DOSE, T_LOG_CORRUPTION, fieldsValid,
} from "../../firmware/log/record.js";
import { crc32, installCrc } from "./helpers.js";

beforeAll(installCrc);

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

describe("CRC-32 used in Node", () => {
  it("matches the standard check value and E.CRC32", () => {
    expect(crc32(new TextEncoder().encode("123456789"), 0, 9)).toBe(0xcbf43926);
  });
});

describe("record codec (docs/log-format.md)", () => {
  // Known answers: bytes 0..13 by hand from the layout (1764000000 = 0x69248100); the check bytes (low 16 bits
  // of CRC-32 over bytes 0..13) were computed independently with Python zlib.crc32.
  const vectors: { name: string; f: [number, number, number, number, number, number]; bytes: string }[] = [
    {
      name: "DOSE seq 1, time 1000, 2 s off, 21 °C, 4.5 units",
      f: [1, T_DOSE, 0x00, 1000, 2, (9 << 8) | 21],
      bytes: "01 00 00 00 e8 03 00 00 01 00 02 00 15 09 6f ac",
    },
    {
      name: "BOOT seq 0x12345678, unix time 1764000000, reason 3, boot 258",
      f: [0x12345678, T_BOOT, 0x00, 1764000000, 3, 258],
      bytes: "78 56 34 12 00 81 24 69 07 00 03 00 02 01 bd f0",
    },
    {
      name: "LOG_CORRUPTION, all-ones payload, flags 0x36",
      f: [0xfffffffe, T_LOG_CORRUPTION, 0x36, 0xffffffff, 0xffff, 0xffff],
      bytes: "fe ff ff ff ff ff ff ff 0b 36 ff ff ff ff 06 14",
    },
  ];
  for (const v of vectors) {
    it(`encodes ${v.name}`, () => {
      const b = new Uint8Array(RECORD_SIZE + 4).fill(0xaa);
      encodeRecord(b.subarray(2), ...v.f);
      expect(hex(b.subarray(2, 18))).toBe(v.bytes);
      expect(b[0]).toBe(0xaa); // nothing written outside the 16 bytes
      expect(b[18]).toBe(0xaa);
      expect(recordValid(b.subarray(2))).toBe(true);
      expect([recSeq(b, 2), recType(b, 2), recFlags(b, 2), recTime(b, 2), recA(b, 2), recB(b, 2)]).toEqual(v.f);
    });
  }

  it("stores a computed check of 0xFFFF as 0x0000 (a stored 0xFFFF always means not committed)", () => {
    // Search the time field for a record whose CRC-32 low half is 0xFFFF.
    const b = new Uint8Array(16);
    let t = 0;
    for (; t < 1 << 22; t++) {
      b.fill(0);
      b[0] = 7; // seq 7
      b[4] = t & 0xff; b[5] = (t >>> 8) & 0xff; b[6] = (t >>> 16) & 0xff;
      b[8] = T_DOSE;
      if ((crc32(b, 0, 14) & 0xffff) === 0xffff) break;
    }
    expect((crc32(b, 0, 14) & 0xffff)).toBe(0xffff);
    encodeRecord(b, 7, T_DOSE, 0, t, 0, 0);
    expect(recStoredCheck(b, 0)).toBe(0x0000);
    expect(recordCheck(b)).toBe(0);
    expect(recordValid(b)).toBe(true);
    b[14] = 0xff; b[15] = 0xff;
    expect(recordValid(b)).toBe(false);
  });

  it("any single flipped bit in a record makes it invalid", () => {
    const b = new Uint8Array(16);
    encodeRecord(b, 42, T_DOSE, 0x12, 123456, 77, 0x0a14);
    for (let bit = 0; bit < 128; bit++) {
      const c = b.slice();
      c[bit >> 3] ^= 1 << (bit & 7);
      expect(recordValid(c)).toBe(false);
    }
  });

  it("an uncommitted record (check 0xFFFF) never verifies", () => {
    const b = new Uint8Array(16);
    encodeRecord(b, 3, T_DOSE, 0, 5, 6, 7);
    b[14] = 0xff; b[15] = 0xff;
    expect(recordValid(b)).toBe(false);
  });

  it("validates field ranges", () => {
    expect(fieldsValid(T_DOSE, 0, 0, 0, 0)).toBe(true);
    expect(fieldsValid(0, 0, 0, 0, 0)).toBe(false); // type 0 reserved
    expect(fieldsValid(0xff, 0, 0, 0, 0)).toBe(false); // type 0xFF reserved (erased flash)
    expect(fieldsValid(1, 256, 0, 0, 0)).toBe(false);
    expect(fieldsValid(1, 0, -1, 0, 0)).toBe(false);
    expect(fieldsValid(1, 0, 2 ** 32, 0, 0)).toBe(false);
    expect(fieldsValid(1, 0, 0, 0x10000, 0)).toBe(false);
    expect(fieldsValid(1, 0, 0, 0, 1.5)).toBe(false);
  });
});
