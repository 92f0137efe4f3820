// The 16-byte dose record (docs/architecture.md, "The dose record"; byte layout in docs/log-format.md).
// Pure codec: encodes into a caller's buffer, reads fields back, computes and checks the `check` field.
// No allocation per call.

export const RECORD_SIZE = 16;

// Record types (field `type`, byte 8).
export const T_DOSE = 0x01;
export const T_CAP_CHECK = 0x02;
export const T_UNCERTAIN_DOSE = 0x03;
export const T_CAP_LEFT_OFF = 0x04;
export const T_TEMP_EXCURSION = 0x05;
export const T_TIME_SET = 0x06;
export const T_BOOT = 0x07;
export const T_BATTERY_LOW = 0x08;
export const T_ANNOTATION = 0x09;
export const T_ERROR = 0x0a;
export const T_LOG_CORRUPTION = 0x0b;
export const T_DELETE = 0x0c;
export const T_SAFE_MODE = 0x0d;
export const T_CONFIG_CHANGED = 0x0e;
/** Seqs a power cut left uncompleted: a = low 16 bits of the first, b = how many (docs/log-format.md). */
export const T_SEQ_SKIPPED = 0x0f;

// Flag bits (field `flags`, byte 9).
export const F_PRIMING = 0x02; // bit 1: possible priming
export const F_INTERRUPTED = 0x04; // bit 2: session interrupted by a reboot
export const F_INSULIN_SHIFT = 4; // bits 4-5: insulin type
export const F_INSULIN_MASK = 0x30;
export const INSULIN_NOT_SET = 0;
export const INSULIN_RAPID = 1;
export const INSULIN_BASAL = 2;
export const INSULIN_OTHER = 3;
/** Bits that may be set in `flags`; the others are 0 in version 1. */
export const F_DEFINED = 0x36;

/** A stored check of 0xFFFF always means "not committed": a computed 0xFFFF is stored as 0x0000. */
export const CHECK_UNCOMMITTED = 0xffff;

/** CRC-32 (IEEE 802.3, reflected, init and final xor 0xFFFFFFFF) of `len` bytes of `buf` from `off`. */
export type Crc32Fn = (buf: Uint8Array, off: number, len: number) => number;

// On the device E.CRC32 is native. It is not typed in @types/espruino, and Node's type-check of tests does
// not know E at all: this module-local declaration covers both. Node tests install a JavaScript CRC-32 with
// setCrc32() (or the simulator provides E.CRC32).
declare const E: { CRC32(data: Uint8Array): number };
/** The installed implementation, null for E.CRC32 (exported for DoseLog.verifyRead()'s inlined check). */
export let crcFn: Crc32Fn | null = null;

/** Replaces the CRC-32 implementation (tests in Node); pass null to go back to E.CRC32. */
export function setCrc32(fn: Crc32Fn | null): void {
  crcFn = fn;
}

/** CRC-32 of the first `len` bytes of `buf` (every caller's data starts at 0: no offset parameter, which
 *  would cost a variable of RAM on Espruino). */
export function crc32(buf: Uint8Array, len: number): number {
  return crcFn ? crcFn(buf, 0, len) : E.CRC32(buf.subarray(0, len)) >>> 0;
}

export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

export function get32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

export function get16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

// The codec below works on a record at the start of `b` (a 16-byte buffer or a subarray): the log always
// has its record there, and each offset parameter would cost RAM on Espruino.

/** The check of the record's first 14 bytes: low 16 bits of CRC-32, with 0xFFFF mapped to 0x0000. */
export function recordCheck(b: Uint8Array): number {
  const c = crc32(b, 14) & 0xffff;
  return c === CHECK_UNCOMMITTED ? 0 : c;
}

/** True when every field given to append is in range (u32 time, u8 type/flags, u16 a/b; the seq is the log's). */
export function fieldsValid(type: number, flags: number, time: number, a: number, b: number): boolean {
  // Each: a number, whole, in range (written out rather than a helper: a function costs RAM on the device).
  return (
    typeof time === "number" && time >= 0 && time <= 0xffffffff && Math.floor(time) === time &&
    typeof type === "number" && type > 0 && type < 0xff && Math.floor(type) === type &&
    typeof flags === "number" && flags >= 0 && flags <= 0xff && Math.floor(flags) === flags &&
    typeof a === "number" && a >= 0 && a <= 0xffff && Math.floor(a) === a &&
    typeof b === "number" && b >= 0 && b <= 0xffff && Math.floor(b) === b
  );
}

/** Writes a complete record (with its check) into the first 16 bytes of `out`. Fields must be in range (fieldsValid). */
export function encodeRecord(out: Uint8Array, seq: number, type: number, flags: number, time: number, a: number, b: number): void {
  put32(out, 0, seq);
  put32(out, 4, time);
  out[8] = type;
  out[9] = flags;
  out[10] = a & 0xff;
  out[11] = (a >>> 8) & 0xff;
  out[12] = b & 0xff;
  out[13] = (b >>> 8) & 0xff;
  const c = recordCheck(out);
  out[14] = c & 0xff;
  out[15] = (c >>> 8) & 0xff;
}

export function recSeq(b: Uint8Array, o: number): number {
  return get32(b, o);
}
export function recTime(b: Uint8Array, o: number): number {
  return get32(b, o + 4);
}
export function recType(b: Uint8Array, o: number): number {
  return b[o + 8];
}
export function recFlags(b: Uint8Array, o: number): number {
  return b[o + 9];
}
export function recA(b: Uint8Array, o: number): number {
  return get16(b, o + 10);
}
export function recB(b: Uint8Array, o: number): number {
  return get16(b, o + 12);
}
export function recStoredCheck(b: Uint8Array, o: number): number {
  return get16(b, o + 14);
}

/** True when the record is committed and its check matches. */
export function recordValid(b: Uint8Array): boolean {
  const stored = get16(b, 14);
  if (stored === CHECK_UNCOMMITTED) return false;
  return stored === recordCheck(b);
}

/** True when all 16 bytes are 0xFF (an erased slot). */
export function slotBlank(b: Uint8Array): boolean {
  for (let i = 0; i < RECORD_SIZE; i++) if (b[i] !== 0xff) return false;
  return true;
}
