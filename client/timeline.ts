// Wall-time reconstruction (docs/architecture.md "Time"): a record time below 946684800 counts seconds
// since the power-on that preceded it. A TIME_SET record carries the new wall time in `time` and the
// previous clock value in a | b << 16; when that previous value was relative, every relative record of the
// same power-on (the span between BOOT records whose reset restarted the clock; a SEQ_SKIPPED just before a
// BOOT belongs to the BOOT's power-on) maps to wall time by adding (new − previous).
import { DoseRecord } from "./record";
import { T, WALL_TIME_MIN } from "./protocol";

/** BOOT reset reasons (record a) after which the cap's clock starts again from 0: power-on/brown-out, wake from
 *  System OFF, unknown (docs/power.md). */
const CLOCK_RESTARTS = [0, 5, 15];

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
  // A BOOT starts a new power-on (a new relative clock) unless its reset kept the clock: the nRF52 keeps
  // Espruino's clock across soft, pin, watchdog and lockup resets (targets/nrf5x/jshardware.c, .noinit RAM), so
  // relative times before and after such a BOOT share one TIME_SET. Power-on, wake from System OFF and unknown
  // reasons restart it, and so does any BOOT dated before the record it follows (the clock went back).
  let pending: DoseRecord[] = []; // SEQ_SKIPPED records written at mount, before the BOOT they belong to
  let lastTime = -1;
  for (const r of sorted) {
    if (r.type === T.SEQ_SKIPPED) {
      pending.push(r);
      continue;
    }
    if (pending.length || r.type === T.BOOT) {
      const keeps = r.type === T.BOOT && !CLOCK_RESTARTS.includes(r.a) && r.time >= lastTime;
      if (!keeps && epoch.length) flush();
      epoch.push(...pending);
      pending = [];
    }
    epoch.push(r);
    lastTime = r.time;
  }
  epoch.push(...pending);
  flush();
  return out;
}
