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

/** TEMP_EXCURSION: duration in minutes (rounded up), extreme °C, and which side of the range. */
export function excursion(r: DoseRecord): { minutes: number; extremeC: number | undefined; kind: "hot" | "cold" | "unknown" } {
  const side = r.b >> 8;
  return { minutes: r.a, extremeC: doseTempC(r), kind: side === 1 ? "hot" : side === 2 ? "cold" : "unknown" };
}

/** BOOT reset reason codes (docs/protocol.md §9, docs/power.md). */
export const RESET_REASONS: Record<number, string> = {
  0: "power-on or brown-out", 1: "reset pin", 2: "watchdog", 3: "software reset", 4: "CPU lock-up", 5: "wake from System OFF", 15: "unknown",
};

/**
 * One line a person can read for any record (the CSV's "detail" column): the type-specific a/b decoded as
 * docs/architecture.md's table says, never the raw numbers.
 */
export function describeRecord(r: DoseRecord): string {
  const temp = (t: number | undefined) => (t === undefined ? "temperature unknown" : `${t} °C`);
  switch (r.type) {
    case 1: case 2: case 3: {
      const u = doseUnits(r);
      return `cap off ${r.a} s, ${temp(doseTempC(r))}, ${u === undefined ? "units unknown" : `${u} U`}, insulin ${insulinType(r)}`;
    }
    case 4: return `cap left off: alert after ${r.a} s, ${temp(doseTempC(r))}`;
    case 5: {
      const e = excursion(r);
      return `${e.kind === "hot" ? "too hot" : e.kind === "cold" ? "too cold" : "out of range"} for ${e.minutes} min, extreme ${temp(e.extremeC)}`;
    }
    case 6: {
      const prev = (r.a | (r.b << 16)) >>> 0;
      return prev < 946684800 ? `clock set; it read ${prev} s since power-on` : `clock set; it read ${new Date(prev * 1000).toISOString()}`;
    }
    case 7: return `boot #${r.b}, reset reason: ${RESET_REASONS[r.a] ?? `code ${r.a}`}`;
    case 8: return `battery low: ${r.a} mV, ${r.b} %`;
    case 9: {
      const n = annotation(r);
      return `units set by the app: ${n.units} U for the dose whose seq ends in ${n.seqLow24}`;
    }
    case 10: return `firmware error code ${r.a} at place ${r.b}`;
    case 11: return r.a === 0xffff ? `log corruption found by a read: ${r.b} bad slots skipped` : `log corruption on page ${r.a}: ${r.b} bad slots skipped`;
    case 12: return `records deleted by an app through seq ${(r.a | (r.b << 16)) >>> 0}`;
    case 13: return `safe mode after ${r.a} crashes`;
    case 14: return `configuration changed (CRC-16 ${r.a.toString(16).padStart(4, "0")})`;
    case 15: {
      const k = skippedSeqs(r);
      return `${k.count} seq(s) from ${k.first} never completed (power cut during a write)`;
    }
    default: return `type 0x${r.type.toString(16)}: a=${r.a}, b=${r.b}`;
  }
}
