// Advertising payloads (docs/protocol.md "Advertising"): legacy advertising, 31 bytes at most each.
import { wr32 } from "./bytes";

/** Constants as a const enum: esbuild inlines them, so none costs a variable on the cap (each exported
 *  name below is an alias kept for tests and the client). */
export const enum AdvK {
  COMPANY_ID = 0xffff,
  ADV_LEN = 30,
}

/** Bluetooth SIG company identifier 0xFFFF: reserved "for testing/internal use", not a registered company. */
export const COMPANY_ID: number = AdvK.COMPANY_ID;
export const ADV_LEN: number = AdvK.ADV_LEN;

/** The advertising part of the power plan (firmware/power/plan.ts, docs/power.md). */
export interface AdvPlan {
  slowAdvertisingMs: number;
  /** 0: no fast advertising (safe mode). */
  fastAdvertisingMs: number;
  fastAdvertisingSeconds: number;
}

/** Advertising data: flags (3) + 128-bit service UUID (18) + manufacturer data (9) = 30 bytes. */
export function advData(newestSeq: number, alerts: number, out: Uint8Array): Uint8Array {
  let o = 0;
  out[o++] = 2;
  out[o++] = 0x01; // Flags
  out[o++] = 0x06; // LE General Discoverable, BR/EDR not supported
  out[o++] = 17;
  out[o++] = 0x07; // Complete List of 128-bit Service UUIDs
  // bd635a9b-a865-4781-94c2-0cef8c1bf40b as four little-endian words (no 16-element Array kept in RAM).
  wr32(out, o, 0x8c1bf40b);
  wr32(out, o + 4, 0x94c20cef);
  wr32(out, o + 8, 0xa8654781);
  wr32(out, o + 12, 0xbd635a9b);
  o += 16;
  out[o++] = 8;
  out[o++] = 0xff; // Manufacturer Specific Data
  out[o++] = AdvK.COMPANY_ID & 0xff;
  out[o++] = AdvK.COMPANY_ID >> 8;
  wr32(out, o, newestSeq < 0 ? 0xffffffff : newestSeq);
  o += 4;
  out[o++] = alerts & 0xff;
  return out;
}

/** Scan response: the Complete Local Name (2 + name length bytes, name at most 29 ASCII characters). */
export function scanResponse(name: string): Uint8Array {
  const n = name.length > 29 ? 29 : name.length;
  const out = new Uint8Array(n + 2);
  out[0] = n + 1;
  out[1] = 0x09;
  for (let i = 0; i < n; i++) out[2 + i] = name.charCodeAt(i) & 0x7f;
  return out;
}

/** Fast advertising for plan.fastAdvertisingSeconds after a dose (or any new record), slow otherwise. */
export function advInterval(now: number, lastEvent: number, plan: AdvPlan): number {
  return fastUntil(lastEvent, plan) > now ? plan.fastAdvertisingMs : plan.slowAdvertisingMs;
}

/** Clock time at which fast advertising after `lastEvent` ends; -1 when the plan has none or no event. */
export function fastUntil(lastEvent: number, plan: AdvPlan): number {
  if (lastEvent < 0 || plan.fastAdvertisingMs <= 0 || plan.fastAdvertisingSeconds <= 0) return -1;
  return lastEvent + plan.fastAdvertisingSeconds;
}
