// Advertising payloads (docs/protocol.md "Advertising"): legacy advertising, 31 bytes at most each.
import { wr32 } from "./bytes";

/** Constants as a const enum: esbuild inlines them, so none costs a variable on the cap (each exported
 *  name below is an alias kept for tests and the client). */
export const enum AdvK {
  COMPANY_ID = 0xffff,
  ADV_LEN = 21,
}

/** Bluetooth SIG company identifier 0xFFFF: reserved "for testing/internal use", not a registered company. */
export const COMPANY_ID: number = AdvK.COMPANY_ID;
export const ADV_LEN: number = AdvK.ADV_LEN;

/**
 * Advertising data while the pairing window is open: flags (3) + the 128-bit service UUID (18) = 21 bytes.
 * Outside the window the adapter sends the first 3 bytes (the flags) alone. Nothing in it depends on the log,
 * the alerts or the battery (docs/protocol.md 4: a passive scanner learns nothing from a dose).
 */
export function advData(out: Uint8Array): Uint8Array {
  out[0] = 2;
  out[1] = 0x01; // Flags
  out[2] = 0x06; // LE General Discoverable, BR/EDR not supported
  out[3] = 17;
  out[4] = 0x07; // Complete List of 128-bit Service UUIDs
  // bd635a9b-a865-4781-94c2-0cef8c1bf40b as four little-endian words (no 16-element Array kept in RAM).
  wr32(out, 5, 0x8c1bf40b);
  wr32(out, 9, 0x94c20cef);
  wr32(out, 13, 0xa8654781);
  wr32(out, 17, 0xbd635a9b);
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
