// The 16-byte record (docs/architecture.md, docs/protocol.md "Dose Records").
import { TYPE_NAMES } from "./protocol";

export interface DoseRecord {
  seq: number;
  time: number; // raw device time: < 946684800 relative to power-on, else Unix seconds UTC
  type: number;
  flags: number;
  a: number;
  b: number;
  check: number;
}

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Standard CRC-32 (as E.CRC32): "123456789" gives 0xCBF43926. */
export function crc32(b: Uint8Array, start = 0, end = b.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The record's check field: low 16 bits of CRC-32 over bytes 0..13; 0xFFFF is stored as 0x0000. */
export function recordCheck(b: Uint8Array, off = 0): number {
  const c = crc32(b, off, off + 14) & 0xffff;
  return c === 0xffff ? 0 : c;
}

export function encodeRecord(r: Omit<DoseRecord, "check">, out = new Uint8Array(16), off = 0): Uint8Array {
  const v = new DataView(out.buffer, out.byteOffset + off, 16);
  v.setUint32(0, r.seq, true);
  v.setUint32(4, r.time, true);
  v.setUint8(8, r.type);
  v.setUint8(9, r.flags);
  v.setUint16(10, r.a, true);
  v.setUint16(12, r.b, true);
  v.setUint16(14, recordCheck(out, off), true);
  return out;
}

/** Decodes one record; undefined when its check does not verify. */
export function decodeRecord(b: Uint8Array, off = 0): DoseRecord | undefined {
  const v = new DataView(b.buffer, b.byteOffset + off, 16);
  const check = v.getUint16(14, true);
  if (check !== recordCheck(b, off)) return undefined;
  return { seq: v.getUint32(0, true), time: v.getUint32(4, true), type: v.getUint8(8), flags: v.getUint8(9), a: v.getUint16(10, true), b: v.getUint16(12, true), check };
}

export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE_${t}`;
}

/** Units of a DOSE/CAP_CHECK/UNCERTAIN_DOSE (high byte of b is units × 2; 0xFF unknown). */
export function doseUnits(r: DoseRecord): number | undefined {
  const u2 = r.b >> 8;
  return u2 === 0xff ? undefined : u2 / 2;
}
export function doseTempC(r: DoseRecord): number | undefined {
  const t = r.b & 0xff;
  return t === 0x80 ? undefined : t > 127 ? t - 256 : t;
}
export function insulinType(r: DoseRecord): "unset" | "rapid" | "basal" | "other" {
  return (["unset", "rapid", "basal", "other"] as const)[(r.flags >> 4) & 3];
}
/** ANNOTATION: the low 24 bits of the annotated seq and the units. */
export function annotation(r: DoseRecord): { seqLow24: number; units: number } {
  return { seqLow24: r.a | ((r.b & 0xff) << 16), units: (r.b >> 8) / 2 };
}

/**
 * SEQ_SKIPPED: the seqs a power cut left uncompleted on the cap (docs/protocol.md). `a` holds the low 16 bits
 * of the first one, whose full value is the highest seq below this record's seq with those bits; `b` how many.
 * Seqs at or above the record's own seq are never named (a malformed count is clipped).
 */
export function skippedSeqs(r: DoseRecord): { first: number; count: number } {
  const first = r.seq - ((r.seq - r.a - 1) & 0xffff) - 1;
  if (first < 0) return { first: 0, count: 0 };
  return { first, count: Math.min(r.b, r.seq - first) };
}
