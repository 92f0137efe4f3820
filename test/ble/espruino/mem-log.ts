// A tiny in-memory LogPort for the interpreter drivers (bundled with them; runs on Espruino): record i has seq i.
import type { LogPort } from "../../../firmware/ble/ports";

export function memLog(): LogPort {
  const recs: Uint8Array[] = [];
  return {
    append: function (type: number, flags: number, time: number, a: number, b: number) {
      const r = new Uint8Array(16);
      r[0] = recs.length; r[8] = type; r[9] = flags; r[10] = a & 255; r[12] = b & 255;
      recs.push(r);
      return recs.length - 1;
    },
    readFrom: function (seq: number, out: Uint8Array) {
      if (seq < 0) seq = 0;
      if (seq >= recs.length) return -1;
      out.set(recs[seq]);
      return seq;
    },
    readMany: function (seq: number, out: Uint8Array, max: number) {
      if (seq < 0) seq = 0;
      let k = 0;
      while (k < max && seq + k < recs.length) {
        out.set(recs[seq + k], k * 16);
        k++;
      }
      return k;
    },
    count: function () { return recs.length; },
    oldestSeq: function () { return recs.length ? 0 : -1; },
    newestSeq: function () { return recs.length - 1; },
    capacity: 100000,
  };
}
