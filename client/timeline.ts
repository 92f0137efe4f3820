// Wall-time reconstruction (docs/architecture.md "Time"; docs/client.md "Placing relative times"). A record
// time below 946684800 counts seconds since the power-on that preceded it. The log is cut into power-ons (the
// span from one BOOT to the next; a SEQ_SKIPPED just before a BOOT belongs to the BOOT's power-on). Within a
// power-on, one anchor — a record that states "relative time R of this power-on was wall time W" — places every
// relative record of it at R' + (W − R). The anchors come from rules: TIME_SET (whose a | b << 16 is the clock's
// previous value) is the built-in one; records that chain power-ons (e.g. an uptime/boot-counter record, types
// 0x14–0x17 reserved for them) add rules through `reconstruct(sorted, { anchors })` without touching this file.
// A record no rule places is "undatable": it keeps its place in seq order and the nearest datable neighbours
// bound it (notBefore/notAfter) — it is never dropped.
import { DoseRecord } from "./record";
import { T, WALL_TIME_MIN } from "./protocol";

/**
 * device: the cap's clock was set when the record was written. reconstructed: relative, placed by an anchor of
 * the same power-on. undatable: relative and no anchor; only bounded by its neighbours.
 */
export type TimeSource = "device" | "reconstructed" | "undatable";

/** BOOT reset reasons (record a) after which the cap's clock starts again from 0: power-on/brown-out, wake from
 *  System OFF, unknown (docs/power.md). */
const CLOCK_RESTARTS = [0, 5, 15];

export interface WallTime {
  /** Unix seconds UTC; undefined when undatable. */
  wall: number | undefined;
  source: TimeSource;
  /** Which power-on (0-based, in seq order) the record belongs to. */
  powerOn: number;
  /** What placed a reconstructed record, e.g. "TIME_SET seq 39". */
  via?: string;
  /** Undatable only: wall time of the nearest datable record before it in seq order, if any. */
  notBefore?: number;
  /** Undatable only: wall time of the nearest datable record after it in seq order, if any. */
  notAfter?: number;
}

/** One power-on's records in seq order, and its neighbours (for rules that chain power-ons). */
export interface PowerOnContext {
  index: number;
  records: readonly DoseRecord[];
  previous: readonly DoseRecord[] | undefined;
  next: readonly DoseRecord[] | undefined;
}

/**
 * A rule that finds the offset (wall = relative time + offset) of one power-on, or undefined when it cannot.
 * Rules run in order; the first answer wins. `via` names the evidence.
 */
export type AnchorRule = (p: PowerOnContext) => { offset: number; via: string } | undefined;

/** TIME_SET whose previous clock value was relative: wall = relative + (new − previous). */
export const timeSetAnchor: AnchorRule = (p) => {
  for (const r of p.records) {
    if (r.type !== T.TIME_SET) continue;
    const prev = (r.a | (r.b << 16)) >>> 0;
    if (prev < WALL_TIME_MIN && r.time >= WALL_TIME_MIN) return { offset: r.time - prev, via: `TIME_SET seq ${r.seq}` };
  }
  return undefined;
};

export const DEFAULT_ANCHORS: readonly AnchorRule[] = [timeSetAnchor];

/**
 * Splits records (seq order) into power-ons: spans of one relative clock. A BOOT starts a new one unless its
 * reset kept the clock: the nRF52 keeps Espruino's clock across soft, pin, watchdog and lockup resets
 * (targets/nrf5x/jshardware.c, .noinit RAM), so relative times before and after such a BOOT share one anchor.
 * Power-on, wake from System OFF and unknown reasons restart it, and so does any BOOT dated before the record it
 * follows (the clock went back). SEQ_SKIPPED records are written at mount, before the BOOT they belong to.
 */
export function powerOns(sorted: readonly DoseRecord[]): DoseRecord[][] {
  const out: DoseRecord[][] = [];
  let cur: DoseRecord[] = [];
  let pending: DoseRecord[] = [];
  let lastTime = -1;
  for (const r of sorted) {
    if (r.type === T.SEQ_SKIPPED) {
      pending.push(r);
      continue;
    }
    if (pending.length || r.type === T.BOOT) {
      const keeps = r.type === T.BOOT && !CLOCK_RESTARTS.includes(r.a) && r.time >= lastTime;
      if (!keeps && cur.length) {
        out.push(cur);
        cur = [];
      }
      cur.push(...pending);
      pending = [];
    }
    cur.push(r);
    lastTime = r.time;
  }
  cur.push(...pending);
  if (cur.length) out.push(cur);
  return out;
}

/** Wall time of every record, by seq. */
export function reconstruct(sorted: readonly DoseRecord[], opts: { anchors?: readonly AnchorRule[] } = {}): Map<number, WallTime> {
  const rules = opts.anchors ?? DEFAULT_ANCHORS;
  const out = new Map<number, WallTime>();
  const epochs = powerOns(sorted);
  epochs.forEach((records, index) => {
    let anchor: { offset: number; via: string } | undefined;
    if (records.some((r) => r.time < WALL_TIME_MIN)) {
      const ctx: PowerOnContext = { index, records, previous: epochs[index - 1], next: epochs[index + 1] };
      for (const rule of rules) if ((anchor = rule(ctx))) break;
    }
    for (const r of records) {
      if (r.time >= WALL_TIME_MIN) out.set(r.seq, { wall: r.time, source: "device", powerOn: index });
      else if (anchor) out.set(r.seq, { wall: r.time + anchor.offset, source: "reconstructed", powerOn: index, via: anchor.via });
      else out.set(r.seq, { wall: undefined, source: "undatable", powerOn: index });
    }
  });
  // Bounds for the undatable: seq order is write order, so a record lies between its datable neighbours.
  let last: number | undefined;
  for (const r of sorted) {
    const w = out.get(r.seq)!;
    if (w.wall !== undefined) last = Math.max(last ?? w.wall, w.wall);
    else if (last !== undefined) w.notBefore = last;
  }
  let next: number | undefined;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const w = out.get(sorted[i].seq)!;
    if (w.wall !== undefined) next = Math.min(next ?? w.wall, w.wall);
    else if (next !== undefined) w.notAfter = next;
  }
  return out;
}
