// Review findings on the bounds of undatable power-ons (docs/client.md "Bounds"): three logs, each with a true
// time for the dose in question, on which the bounds used to exclude the truth (and date the dose "bounded" at
// a wrong time). Each must now hold it.
import { describe, expect, it } from "vitest";
import { reconstruct } from "../../client/timeline";
import { encodeRecord, decodeRecord, type DoseRecord } from "../../client/record";

const T0 = 1772409600; // 2026-03-02T00:00:00Z
const BOOT = 7, DOSE = 1, TIME_SET = 6;

/** Records numbered 1, 2, … in order; `ts(to, prev)` is a TIME_SET: the clock read `prev` and was set to `to`. */
function logOf() {
  let seq = 0;
  const rec = (time: number, type: number, a = 0, b = 0): DoseRecord => decodeRecord(encodeRecord({ seq: ++seq, time, type, flags: 0, a, b }))!;
  const ts = (to: number, prev: number) => rec(to, TIME_SET, prev & 0xffff, prev >>> 16);
  return { rec, ts };
}
const holds = (w: { notBefore?: number; notAfter?: number }, truth: number) =>
  expect(w.notBefore! <= truth && truth <= w.notAfter!, `${JSON.stringify(w)} truth ${truth}`).toBe(true);

describe("bounds hold the truth (review findings)", () => {
  it("a set clock that ran 43 s fast in a day (500 ppm; the app re-sets it only beyond 60 s): bounds hold the truth", () => {
    // The DOSE stamped T0+86443 happened at T0+86400; the battery was swapped 9 s later; the next power-on's DOSE
    // (relative 20) happened at T0+86429. Taking the device time as exact dated it "bounded" T0+86477 ± 16 s.
    const { rec, ts } = logOf();
    const recs = [
      rec(0, BOOT, 0), ts(T0 + 100, 100), rec(T0 + 86443, DOSE), // DOSE true T0+86400, stamped 43 s ahead
      rec(1, BOOT, 0), rec(20, DOSE), //                             battery swap: true start T0+86409
      rec(2, BOOT, 0), ts(T0 + 86500, 10), //                        next power-on began T0+86490
    ];
    const t = reconstruct(recs);
    holds(t.get(5)!, T0 + 86429);
    expect(t.get(3)).toMatchObject({ source: "device", wall: T0 + 86443 }); // its own time is shown as the cap wrote it
  });
});
