// Wall-time reconstruction (docs/architecture.md "Time"): a record time below 946684800 counts seconds
// since the power-on that preceded it. A TIME_SET record carries the new wall time in `time` and the
// previous clock value in a | b << 16; when that previous value was relative, every relative record of the
// same power-on (the span between BOOT records; a SEQ_SKIPPED just before a BOOT belongs to the BOOT's
// power-on) maps to wall time by adding (new − previous).
import { DoseRecord } from "./record";
import { T, WALL_TIME_MIN } from "./protocol";

export type TimeSource = "device" | "reconstructed" | "unknown";
export interface WallTime {
  wall: number | undefined; // Unix seconds UTC
  source: TimeSource;
}

export function reconstruct(sorted: DoseRecord[]): Map<number, WallTime> {
  const out = new Map<number, WallTime>();
  let epoch: DoseRecord[] = [];
  const flush = () => {
    let offset: number | undefined;
    for (const r of epoch) {
      if (r.type === T.TIME_SET) {
        const prev = (r.a | (r.b << 16)) >>> 0;
        if (prev < WALL_TIME_MIN && r.time >= WALL_TIME_MIN) {
          offset = r.time - prev;
          break;
        }
      }
    }
    for (const r of epoch) {
      if (r.time >= WALL_TIME_MIN) out.set(r.seq, { wall: r.time, source: "device" });
      else if (offset !== undefined) out.set(r.seq, { wall: r.time + offset, source: "reconstructed" });
      else out.set(r.seq, { wall: undefined, source: "unknown" });
    }
    epoch = [];
  };
  for (const r of sorted) {
    // A power-on starts with BOOT, or with SEQ_SKIPPED when the cap found records a power cut interrupted:
    // that record is written at mount, before the BOOT of the same power-on.
    if (r.type === T.SEQ_SKIPPED) flush();
    else if (r.type === T.BOOT && !epoch.every((x) => x.type === T.SEQ_SKIPPED)) flush();
    epoch.push(r);
  }
  flush();
  return out;
}
