// The pre-allocated config file "pencap.cfg" (docs/config.md "In flash"): flash.sh creates it at flashing time
// (scripts/flash/cfgfile.mjs) with a fixed size, its slots erased; the firmware only ever fills erased slots
// with Storage.write(name, data, offset), which in 2v29 writes the data bytes alone (src/jsflash.c
// jsfWriteFile: an existing file with offset > 0 is neither removed nor re-created). So no Storage file header
// is written in the field: a power cut in a header that lands in Storage's last page makes the interpreter
// erase Storage whole, .bootcde included (docs/log-format.md "No Storage churn in the field").
// Pure codec over the file's bytes: the Storage calls are in firmware/hw/cfg-file.ts.
import { crc32 } from "../log/record";

/** Constants as a const enum (esbuild inlines them: no RAM on the cap). */
export const enum CfK {
  /** File head: "PCFG", version 1, slot size 32, slot count u16. */
  HEAD = 8,
  MAGIC0 = 0x50, // P
  MAGIC1 = 0x43, // C
  MAGIC2 = 0x46, // F
  MAGIC3 = 0x47, // G
  VERSION = 1,
  SLOT = 32,
  SLOTS = 16,
  FILE_SIZE = 8 + 32 * 16, // 520
  /** Bytes 0..27 of a slot: the payload; byte 0 its kind. */
  PAYLOAD = 28,
  SEQ = 28,
  CHECK = 30,
  /** Kind 0x01: the 28-byte config block (its byte 0 is the config version, docs/config.md). */
  KIND_CONFIG = 0x01,
  /** Kind 0x4D ("M"): the Puck.js magnetometer baseline, x y z float32 at payload offsets 4, 8, 12. */
  KIND_MAG = 0x4d,
}

export const CFG_FILE_SIZE: number = CfK.FILE_SIZE;
export const CFG_SLOTS: number = CfK.SLOTS;
export const CFG_KIND_CONFIG: number = CfK.KIND_CONFIG;
export const CFG_KIND_MAG: number = CfK.KIND_MAG;

/** Writes the file head into f[0..7] (flash.sh's snippet does it at flashing time; the firmware never does). */
export function cfgHead(f: Uint8Array): void {
  f.set([CfK.MAGIC0, CfK.MAGIC1, CfK.MAGIC2, CfK.MAGIC3, CfK.VERSION, CfK.SLOT, CfK.SLOTS, 0]);
}

/** The check of a slot at the start of `s`: low 16 bits of CRC-32 of bytes 0..29, 0xFFFF stored as 0 (as a
 *  log record's, so a slot whose check is still erased is never valid). */
export function cfgCheck(s: Uint8Array): number {
  const c = crc32(s, CfK.CHECK) & 0xffff;
  return c === 0xffff ? 0 : c;
}

/**
 * One pass over the file `f` (one function for both questions: each costs RAM on the cap):
 * - kind >= 0: byte offset of the newest valid slot of that kind (the last one in file order), or -1;
 * - kind < 0: byte offset for the next slot, the one after the last slot that is not blank (32 × 0xFF), so a
 *   torn slot is skipped, never written over; -1 when the file is full. seq[0] gets the next slot's sequence
 *   number: the last valid slot's + 1 (1 in an empty file).
 * -2 when `f` is not a whole file of this layout (size and head).
 */
export function cfgScan(f: Uint8Array | undefined, kind: number, seq?: Uint16Array): number {
  if (!f || f.length !== CfK.FILE_SIZE) return -2;
  const h = new Uint8Array(CfK.HEAD);
  cfgHead(h);
  for (let i = 0; i < CfK.HEAD; i++) if (f[i] !== h[i]) return -2;
  let at = -1;
  let next = CfK.HEAD;
  if (seq) seq[0] = 1;
  for (let o = CfK.HEAD; o < CfK.FILE_SIZE; o += CfK.SLOT) {
    const s = f.subarray(o, o + CfK.SLOT);
    let blank = true;
    for (let i = 0; i < CfK.SLOT; i++) if (s[i] !== 0xff) blank = false;
    if (!blank) {
      next = o + CfK.SLOT;
      if ((s[CfK.CHECK] | (s[CfK.CHECK + 1] << 8)) === cfgCheck(s)) {
        if (s[0] === kind) at = o;
        if (seq) seq[0] = (s[CfK.SEQ] | (s[CfK.SEQ + 1] << 8)) + 1;
      }
    }
  }
  return kind >= 0 ? at : next < CfK.FILE_SIZE ? next : -1;
}

/** Fills a 32-byte slot `s` from a 28-byte payload (its byte 0 the kind) with seq and check. */
export function cfgSeal(s: Uint8Array, payload: Uint8Array, seq: number): void {
  s.set(payload.subarray(0, CfK.PAYLOAD));
  s[CfK.SEQ] = seq & 0xff;
  s[CfK.SEQ + 1] = (seq >> 8) & 0xff;
  const c = cfgCheck(s);
  s[CfK.CHECK] = c & 0xff;
  s[CfK.CHECK + 1] = c >> 8;
}
