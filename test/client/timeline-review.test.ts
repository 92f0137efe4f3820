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
  it("a BOOT the app does not hold (a hole: link dropped mid-sync, a corrupt slot): B's records are not bounded into A", () => {
    // A ran 10,000 s; B began 1 s after A's end, its BOOT (seq 7) missing; C is anchored. B's relative times
    // merged into A gave it A's length: the DOSE at B+50 was dated ~A+101 ± 56 s.
    const { rec, ts } = logOf();
    const SA = T0 + 1000, SB = SA + 10001, SC = SB + 101;
    const all = [
      rec(0, BOOT, 0), ts(T0 + 100, 100), rec(T0 + 999, DOSE), // P0 dated, ends T0+999
      rec(0, BOOT, 0), rec(5000, DOSE), rec(10000, DOSE), //      A: seq 4-6, began SA
      rec(0, BOOT, 0), rec(50, DOSE), rec(100, DOSE), //          B: seq 7 (BOOT, not held), 8, 9
      rec(2, BOOT, 0), ts(SC + 10, 10), //                        C: began SC
    ];
    const held = all.filter((r) => r.seq !== 7);
    const t = reconstruct(held);
    holds(t.get(8)!, SB + 50);
    holds(t.get(9)!, SB + 100);
    // The same without the hole (a BOOT never written, seqs consecutive): the time going back still cuts.
    const renumbered = held.map((r, i) => decodeRecord(encodeRecord({ ...r, seq: i + 1 }))!);
    const u = reconstruct(renumbered);
    holds(u.get(7)!, SB + 50);
    holds(u.get(8)!, SB + 100);
  });

  it("a SEQ_SKIPPED before a hole stays on its side: the power-on after the hole does not place it", () => {
    // Found by the generated logs (a BOOT the app lacks): X wrote SEQ_SKIPPED (seq 4) and its BOOT (seq 5, not
    // held) and lost power; a day later Y booted and was set. X's SEQ_SKIPPED (written before its BOOT) used to
    // be carried on to Y's BOOT, and Y's TIME_SET placed it a day late.
    const { rec, ts } = logOf();
    const SEQ_SKIPPED = 0x0f;
    const all = [
      rec(0, BOOT, 0), ts(T0 + 100, 100), rec(T0 + 200, DOSE),
      rec(1, SEQ_SKIPPED, 1, 1), rec(1, BOOT, 0), //  X: seq 4 true T0+301, seq 5 (not held)
      rec(2, BOOT, 0), rec(40, DOSE), ts(T0 + 86400 + 50, 50), //                       Y: seq 6-8, began T0+86400
    ];
    const t = reconstruct(all.filter((r) => r.seq !== 5));
    expect(t.get(4)!.source).not.toBe("reconstructed");
    holds(t.get(4)!, T0 + 301);
    expect(t.get(7)).toMatchObject({ source: "reconstructed", wall: T0 + 86440 });
  });

  it("a brown-out reset (RESETREAS 0) that kept Espruino's .noinit clock: bounds hold the truth", () => {
    // P0 wall-dated; P1 a real power-on at T0+600; P2 a brown-out at T0+1000 whose RAM survived: the clock goes
    // on (jshInit keeps baseSystemTime whenever lastSystemTime == ~lastSystemTimeInv), BOOT a=0 at relative 400;
    // P3 anchored at T0+1290. Counting P2's times from a clock restart at 0 put its start 400 s too early.
    const { rec, ts } = logOf();
    const recs = [
      rec(0, BOOT, 0), ts(T0 + 100, 100), rec(T0 + 500, DOSE),
      rec(0, BOOT, 0), rec(300, DOSE), //    seq 4,5: true T0+600, T0+900
      rec(400, BOOT, 0), rec(450, DOSE), //  seq 6,7: true T0+1000, T0+1050
      rec(2, BOOT, 0), ts(T0 + 1300, 10), // seq 8,9: P3 began T0+1290
    ];
    const m = reconstruct(recs, { clockPpm: 0 });
    holds(m.get(5)!, T0 + 900);
    holds(m.get(6)!, T0 + 1000);
    holds(m.get(7)!, T0 + 1050);
  });

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
