// Bluetooth UUIDs as Espruino's NRF accepts them (https://www.espruino.com/Reference#l_NRF_setServices:
// "UUIDs can be integers between 0 and 0xFFFF, strings of the form "ABCD", or strings of the form
// "ABCDABCD-ABCD-ABCD-ABCD-ABCDABCDABCD""), normalised so that any accepted spelling compares equal.
// Canonical form: 16-bit -> 4 lower-case hex digits ("180a"); 128-bit -> lower-case dashed
// ("6e400001-b5a3-f393-e0a9-e50e24dcca9e"). A 128-bit UUID on the Bluetooth Base UUID
// (0000xxxx-0000-1000-8000-00805f9b34fb, Core Spec v5.3 Vol 3 Part B 2.5.1) is the 16-bit one.

const BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb";

/** Thrown for a UUID Espruino would refuse; message as Espruino words it. */
export class UuidError extends Error {}

/**
 * Parses a UUID given as a JS value (number or string). Mirrors bleVarToUUID in Espruino's
 * libs/bluetooth/bluetooth_utils.c: "0x" prefix -> exactly 2 bytes; a 4-character string -> 2 bytes;
 * anything else -> 16 bytes with dashes skipped.
 */
export function parseUuid(v: unknown): string {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new UuidError("UUID Integer out of range");
    return v.toString(16).padStart(4, "0");
  }
  if (typeof v !== "string") throw new UuidError("UUID not String or Integer");
  // The firmware hands the same few UUID strings to NRF.updateServices at every battery update: parsed once.
  const hit = parsed.get(v);
  if (hit !== undefined) return hit;
  const out = parseUuidString(v);
  if (parsed.size >= 256) parsed.clear();
  parsed.set(v, out);
  return out;
}

/** Canonical forms of the UUID strings seen (only those that parse). */
const parsed = new Map<string, string>();

function parseUuidString(v: string): string {
  let s = v;
  let expected = 16;
  if (/^0x/i.test(s)) {
    expected = 2;
    s = s.slice(2);
  } else if (s.length === 4) expected = 2;
  const hex = expected === 16 ? s.replace(/-/g, "") : s;
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw new UuidError("UUID string should only contain hex characters and dashes");
  if (hex.length !== expected * 2) throw new UuidError("UUID not the right length (16 or 2 bytes)");
  const h = hex.toLowerCase();
  if (expected === 2) return h;
  const dashed = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  if (dashed.startsWith("0000") && dashed.endsWith(BASE_SUFFIX)) return dashed.slice(4, 8);
  return dashed;
}

/**
 * Parses an object key from the firmware's service/advertising objects. In Espruino an integer key
 * (`{0x180A: ...}`) stays an integer, but in V8 every key is a string, so `{0x180A:...}` arrives as "6154"
 * and cannot be told apart from the hex string "6154". Digit-only keys longer than 4 characters are
 * taken as integers (as Espruino would); a 4-digit key is ambiguous and refused, so the firmware
 * must spell such UUIDs as "0x180A" (which both worlds read the same way).
 */
export function parseUuidKey(key: string): string {
  if (/^[0-9]+$/.test(key) && key.length !== 4) return parseUuid(Number(key));
  if (/^[0-9]{4}$/.test(key)) {
    throw new UuidError(
      `UUID key "${key}" is ambiguous in the simulator (integer key ${key} = 0x${Number(key).toString(16)} on Espruino, ` +
        `hex string 0x${key} here); write it as "0x...."`,
    );
  }
  return parseUuid(key);
}

/** Canonical UUID -> little-endian bytes as sent over the air (2 or 16 bytes). */
export function uuidBytes(canonical: string): Uint8Array {
  const hex = canonical.replace(/-/g, "");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[out.length - 1 - i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Little-endian bytes -> canonical UUID. */
export function uuidFromBytes(b: Uint8Array): string {
  let hex = "";
  for (let i = b.length - 1; i >= 0; i--) hex += b[i].toString(16).padStart(2, "0");
  return parseUuid(hex);
}

/** The 16-bit alias the nRF SoftDevice gives a vendor 128-bit UUID (its bytes 12-13). */
export function uuidAlias16(canonical: string): number {
  if (canonical.length === 4) return parseInt(canonical, 16);
  return parseInt(canonical.slice(4, 8), 16);
}
