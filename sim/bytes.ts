// Byte helpers shared by the Espruino API implementations. Espruino strings are byte strings (one char per
// byte), so conversions here are latin1, never UTF-8.
import { crc32 as appCrc32 } from "../client/record.js";

/** Standard CRC-32 (IEEE 802.3, reflected, init and xorout 0xFFFFFFFF): "123456789" → 0xCBF43926 — the same
 *  function the companion app uses to check records (client/record.ts). */
export function crc32(bytes: Uint8Array): number {
  return appCrc32(bytes, 0, bytes.length);
}

export function isTypedArrayLike(v: unknown): v is ArrayBufferView {
  return ArrayBuffer.isView(v as ArrayBufferView);
}

function isArrayBufferLike(v: unknown): v is ArrayBuffer {
  return Object.prototype.toString.call(v) === "[object ArrayBuffer]";
}

/**
 * Bytes of a value as Espruino's JSV_GET_AS_CHAR_ARRAY / E.toUint8Array see them: strings char by char
 * (low 8 bits), typed arrays by their bytes, ArrayBuffers whole, arrays element by element (each value's
 * low 8 bits, nested arrays/strings flattened), numbers as one byte. Works across vm realms.
 */
export function toBytes(v: unknown): Uint8Array {
  if (typeof v === "string") {
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v.charCodeAt(i) & 0xff;
    return out;
  }
  if (isTypedArrayLike(v)) {
    if (Object.prototype.toString.call(v) === "[object Uint8Array]" || v instanceof DataView) {
      return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
    }
    // Other typed arrays: each element's low 8 bits, as Espruino iterates them as values.
    const arr = v as unknown as ArrayLike<number>;
    const out = new Uint8Array(arr.length);
    for (let i = 0; i < arr.length; i++) out[i] = Number(arr[i]) & 0xff;
    return out;
  }
  if (isArrayBufferLike(v)) return new Uint8Array(v).slice();
  if (Array.isArray(v)) {
    const parts = v.map((x) => toBytes(typeof x === "number" ? x : x));
    const len = parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(len);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  if (typeof v === "number" || typeof v === "boolean") return Uint8Array.of(Number(v) & 0xff);
  if (v && typeof v === "object" && "data" in (v as object)) {
    // E.toUint8Array({data: x, count: n}) repeats data n times.
    const o = v as { data: unknown; count?: number };
    const one = toBytes(o.data);
    const count = o.count ?? 1;
    const out = new Uint8Array(one.length * count);
    for (let i = 0; i < count; i++) out.set(one, i * one.length);
    return out;
  }
  if (v === undefined || v === null) return new Uint8Array(0);
  return toBytes(String(v));
}

export function bytesToString(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}
