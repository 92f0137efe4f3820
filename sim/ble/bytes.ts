// Converting the firmware's values to bytes the way Espruino's JSV_GET_AS_CHAR_ARRAY / jsvIterateCallback
// (src/jsvariterator.c) do: strings are 8-bit character codes, a number (or boolean) is one byte, arrays are
// their elements & 0xFF (nested strings expand to their characters), Uint8Array / ArrayBuffer / DataView are
// their bytes. Other typed arrays are refused: Espruino hands over either the first `length` raw bytes (flat
// backing store) or one byte per element, depending on memory layout - firmware should pass a Uint8Array.

function tag(v: unknown): string {
  return Object.prototype.toString.call(v);
}

/** Works across vm realms (instanceof does not). */
export function isArrayBuffer(v: unknown): v is ArrayBuffer {
  return tag(v) === "[object ArrayBuffer]";
}

export function toBytes(v: unknown): Uint8Array | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") {
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v.charCodeAt(i) & 0xff;
    return out;
  }
  if (typeof v === "number" || typeof v === "boolean") return Uint8Array.of(Number(v) & 0xff);
  if (isArrayBuffer(v)) return new Uint8Array(v.slice(0));
  if (ArrayBuffer.isView(v)) {
    const view = v as ArrayBufferView;
    const t = tag(v);
    if (t !== "[object Uint8Array]" && t !== "[object Int8Array]" && t !== "[object Uint8ClampedArray]" && t !== "[object DataView]") {
      throw new TypeError(`${t.slice(8, -1)} as BLE data: Espruino converts it inconsistently; pass a Uint8Array`);
    }
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  }
  if (Array.isArray(v)) {
    const out: number[] = [];
    for (const e of v) {
      if (typeof e === "string") for (let i = 0; i < e.length; i++) out.push(e.charCodeAt(i) & 0xff);
      else out.push(Number(e) & 0xff);
    }
    return Uint8Array.from(out);
  }
  return null;
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}
