// Wall-time reconstruction (docs/architecture.md "Time"; docs/client.md "Placing relative times"). A record
// time below 946684800 counts seconds since the power-on that preceded it. The log is cut into power-ons (the
// span from one BOOT to the next; a SEQ_SKIPPED just before a BOOT belongs to the BOOT's power-on). Within a
// power-on, one anchor — a record that states "relative time R of this power-on was wall time W" — places every
// relative record of it at R' + (W − R). The anchors come from rules: TIME_SET (whose a | b << 16 is the clock's
// previous value) is the built-in one; records that chain power-ons (e.g. an uptime/boot-counter record, types
// 0x14–0x17 reserved for them) add rules through `reconstruct(sorted, { anchors })` without touching this file.
// A record no rule places is "undatable": it keeps its place in seq order and is bounded (notBefore/notAfter) by
// the nearest datable records around it and by the power-ons around its own (a power-on that may have restarted
// the clock began after every earlier record — counted from its BOOT record unless the clock certainly restarted
// at 0 —, its records came in clock order, and all came before the next one began; nothing is chained across a
// hole in the seqs) — it is never dropped. Bounds closer than `boundedWithin` date it as "bounded" (their middle, ±).
import { DoseRecord } from "./record";
import { T, WALL_TIME_MIN } from "./protocol";

/**
 * device: the cap's clock was set when the record was written. reconstructed: relative, placed by an anchor of
 * the same power-on. bounded: relative and no anchor, but its bounds are at most `boundedWithin` seconds apart:
 * `wall` is their middle, `uncertaintySeconds` the half-width. undatable: relative and no anchor; only bounded.
 */
export type TimeSource = "device" | "reconstructed" | "bounded" | "undatable";

/** BOOT reset reasons (record a) after which the cap's clock may start again from 0: power-on/brown-out, wake from
 *  System OFF, unknown (docs/power.md). May: Espruino 2v29 keeps its clock whenever its .noinit RAM survived
 *  (targets/nrf5x/jshardware.c jshInit), whatever the reason — after a short brown-out, say. */
const CLOCK_RESTARTS = [0, 5, 15];

export interface WallTime {
  /** Unix seconds UTC; undefined when undatable. */
  wall: number | undefined;
  source: TimeSource;
  /** Which power-on (0-based, in seq order) the record belongs to. */
  powerOn: number;
  /** What placed a reconstructed record, e.g. "TIME_SET seq 39". */
  via?: string;
  /**
   * Undatable and bounded only: the earliest wall time (whole seconds) the evidence allows — the datable records
   * before it in seq order, and the power-ons before its own (docs/client.md "Bounds"); absent when none.
   */
  notBefore?: number;
  /** Undatable and bounded only: the latest wall time the evidence allows (the records and power-ons after it). */
  notAfter?: number;
  /** Bounded only: the true time lies within wall ± this many seconds (notBefore..notAfter). */
  uncertaintySeconds?: number;
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
 * Rules run in order; the first answer wins. `via` names the evidence; `at`, the relative time the evidence was
 * taken at (the bounds allow the cap clock's drift from there; default: the power-on's largest relative time).
 */
export type AnchorRule = (p: PowerOnContext) => { offset: number; via: string; at?: number } | undefined;

/** TIME_SET whose previous clock value was relative: wall = relative + (new − previous). */
export const timeSetAnchor: AnchorRule = (p) => {
  for (const r of p.records) {
    if (r.type !== T.TIME_SET) continue;
    const prev = (r.a | (r.b << 16)) >>> 0;
    if (prev < WALL_TIME_MIN && r.time >= WALL_TIME_MIN) return { offset: r.time - prev, via: `TIME_SET seq ${r.seq}`, at: prev };
  }
  return undefined;
};

export const DEFAULT_ANCHORS: readonly AnchorRule[] = [timeSetAnchor];

/**
 * For each record (seq order), whether seqs the app neither holds nor knows were skipped lie between it and the
 * record before it: a hole of unknown content (a link dropped mid-sync, a corrupt slot, records the log wrapped
 * over) that may hide a BOOT or a TIME_SET. Seqs a SEQ_SKIPPED record names (a = low 16 bits of the first, b =
 * the count) were never written, so a gap they cover is no hole.
 */
export function unknownHoles(sorted: readonly DoseRecord[]): boolean[] {
  const skipped: [number, number][] = [];
  for (const r of sorted)
    if (r.type === T.SEQ_SKIPPED && r.b > 0) {
      const back = ((((r.seq - r.a) % 65536) + 65536) % 65536) || 65536; // the highest seq below with these low bits
      skipped.push([r.seq - back, r.seq - back + r.b]);
    }
  return sorted.map((r, i) => {
    if (i === 0) return false;
    let s = sorted[i - 1].seq + 1;
    while (s < r.seq) {
      let end = s;
      for (const [a, b] of skipped) if (a <= s && s < b) end = Math.max(end, b);
      if (end === s) return true;
      s = end;
    }
    return false;
  });
}

/**
 * Splits records (seq order) into power-ons: spans of one relative clock. A BOOT starts a new one unless its
 * reset kept the clock: the nRF52 keeps Espruino's clock across soft, pin, watchdog and lockup resets
 * (targets/nrf5x/jshardware.c, .noinit RAM), so relative times before and after such a BOOT share one anchor.
 * Power-on, wake from System OFF and unknown reasons may restart it, and so does any BOOT dated before the record
 * it follows (the clock went back). SEQ_SKIPPED records are written at mount, before the BOOT they belong to.
 * A power-on is also cut where a relative time goes back without a BOOT (a BOOT the app lacks) and at a hole of
 * unknown content (`unknownHoles`): the records on either side are not known to share a clock.
 */
export function powerOns(sorted: readonly DoseRecord[]): DoseRecord[][] {
  const holes = unknownHoles(sorted);
  const out: DoseRecord[][] = [];
  let cur: DoseRecord[] = [];
  let pending: DoseRecord[] = [];
  let lastTime = -1;
  let broken = false;
  sorted.forEach((r, i) => {
    if (holes[i]) {
      // nothing on either side of a hole is known to share a clock (SEQ_SKIPPED records before it included)
      for (const part of [cur, pending]) if (part.length) out.push(part);
      cur = [];
      pending = [];
      broken = true;
    }
    if (r.type === T.SEQ_SKIPPED) {
      pending.push(r);
      return;
    }
    const back = r.time < WALL_TIME_MIN && r.time < lastTime;
    if (broken || back || pending.length || r.type === T.BOOT) {
      const keeps = !broken && r.type === T.BOOT && !CLOCK_RESTARTS.includes(r.a) && r.time >= lastTime;
      if (!keeps && cur.length) {
        out.push(cur);
        cur = [];
      }
      cur.push(...pending);
      pending = [];
    }
    broken = false;
    cur.push(r);
    lastTime = r.time;
  });
  // SEQ_SKIPPED records at the end belong to a BOOT the app does not hold yet (another clock): their own span
  if (pending.length && cur.length) {
    out.push(cur);
    cur = [];
  }
  cur.push(...pending);
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Rate tolerance of the cap's clock (parts per million) that the bounds allow. The cap's Espruino build runs
 * its clock from the nRF52's calibrated RC oscillator (no ESPR_LSE_ENABLE: targets/nrf5x/bluetooth.c,
 * app_config.h declare it to the SoftDevice as 500 ppm); a crystal would be ~20–50 ppm.
 */
export const CLOCK_PPM = 500;
/** How far off the app lets a set clock be before it sets it again (web/src/main.ts): a device time bounds other
 *  records ± this + the drift since its TIME_SET. */
export const DEVICE_CLOCK_SLACK_S = 60;
/** Bounds at most this many seconds apart date an undatable record as "bounded" (±1 minute). */
export const BOUNDED_WITHIN_S = 120;

export interface ReconstructOptions {
  anchors?: readonly AnchorRule[];
  /** The cap clock's rate tolerance for the bounds, ppm (default CLOCK_PPM). */
  clockPpm?: number;
  /** Bounds at most this many seconds apart make a record "bounded" (default BOUNDED_WITHIN_S; negative: never). */
  boundedWithin?: number;
}

/** Wall time of every record, by seq. */
export function reconstruct(sorted: readonly DoseRecord[], opts: ReconstructOptions = {}): Map<number, WallTime> {
  const rules = opts.anchors ?? DEFAULT_ANCHORS;
  const eps = (opts.clockPpm ?? CLOCK_PPM) / 1e6;
  const within = opts.boundedWithin ?? BOUNDED_WITHIN_S;
  const out = new Map<number, WallTime>();
  // The interval a datable record's whole-second wall time lies in, when it bounds another record. A device time
  // is the cap's own clock: it drifts up to eps after the TIME_SET that set it, and the app re-sets it only when
  // it is more than 60 s off (web/src/main.ts): ± 60 s + eps × the time since that TIME_SET (the start of the
  // log when the app holds none). A reconstructed one is off by up to 2 s (the clock read and the new time are
  // whole seconds) plus the clock's drift between it and the anchor's evidence.
  const lo = new Map<number, number>();
  const hi = new Map<number, number>();
  const holes = unknownHoles(sorted);
  const holeBefore = new Set(sorted.filter((_, i) => holes[i]).map((r) => r.seq));
  const deviceErr = new Map<number, number>();
  {
    let logStart = Infinity;
    for (const r of sorted) if (r.time >= WALL_TIME_MIN) logStart = Math.min(logStart, r.time);
    let setAt: number | undefined;
    for (const r of sorted) {
      if (r.time < WALL_TIME_MIN) continue;
      if (r.type === T.TIME_SET) setAt = r.time;
      deviceErr.set(r.seq, DEVICE_CLOCK_SLACK_S + eps * Math.abs(r.time - (setAt ?? logStart)));
    }
  }
  const epochs = powerOns(sorted);
  interface Span {
    /** Largest relative time among its records (undefined: none relative). */
    len: number | undefined;
    /** It began with a BOOT that may have restarted the clock (and no hole before it): it began after every
     *  earlier record. */
    restart: boolean;
    /** Its first record follows a hole of unknown content: no bound is chained across the start. */
    broken: boolean;
    /** Restart only: the clock certainly restarted at 0 (the BOOT is dated before the record before it). Then the
     *  reference point is the power-on itself (clock 0); otherwise the BOOT record (clock `boot`), since a
     *  power-on/brown-out BOOT may have kept the clock (Espruino keeps it whenever its .noinit RAM survived). */
    certain: boolean;
    boot: number;
    undatable: boolean;
    refLo?: number; // bounds on the wall time of the reference point
    refHi?: number;
    datLo?: number; // latest lower bound of its datable records
    datHi?: number; // earliest upper bound of its datable records
  }
  /** The fewest clock seconds from a restart span's reference point to its record at relative time t. */
  const elapsed = (s: Span, t: number) => (s.certain ? t : Math.max(0, t - s.boot - 1));
  const spans: Span[] = epochs.map((records, index) => {
    let anchor: { offset: number; via: string; at?: number } | undefined;
    const rel = records.filter((r) => r.time < WALL_TIME_MIN);
    const len = rel.length ? Math.max(...rel.map((r) => r.time)) : undefined;
    if (rel.length) {
      const ctx: PowerOnContext = { index, records, previous: epochs[index - 1], next: epochs[index + 1] };
      for (const rule of rules) if ((anchor = rule(ctx))) break;
    }
    // powerOns() cuts at a BOOT only when the clock may have restarted; a cut at anything else (a SEQ_SKIPPED
    // without its BOOT, a relative time going back, a hole) proves nothing about the clock, so no bound is
    // chained into it; and nothing at all is chained across a hole (it may hide a BOOT).
    const first = records.find((r) => r.type !== T.SEQ_SKIPPED);
    const broken = index > 0 && holeBefore.has(records[0].seq);
    const restart = index > 0 && !broken && first?.type === T.BOOT && first.time < WALL_TIME_MIN;
    const prev = epochs[index - 1]?.[epochs[index - 1].length - 1];
    const boot = restart ? first!.time : 0;
    const certain = restart && prev !== undefined && boot < prev.time;
    const span: Span = { len, restart, broken, certain, boot, undatable: !!rel.length && !anchor };
    const at = anchor?.at ?? len ?? 0;
    for (const r of records) {
      let w: WallTime;
      if (r.time >= WALL_TIME_MIN) {
        w = { wall: r.time, source: "device", powerOn: index };
        lo.set(r.seq, r.time - deviceErr.get(r.seq)!);
        hi.set(r.seq, r.time + deviceErr.get(r.seq)!);
      } else if (anchor) {
        w = { wall: r.time + anchor.offset, source: "reconstructed", powerOn: index, via: anchor.via };
        const err = 2 + eps * (Math.abs(at - r.time) + 1);
        lo.set(r.seq, w.wall! - err);
        hi.set(r.seq, w.wall! + err);
      } else w = { wall: undefined, source: "undatable", powerOn: index };
      out.set(r.seq, w);
      if (lo.has(r.seq)) {
        span.datLo = Math.max(span.datLo ?? -Infinity, lo.get(r.seq)!);
        // a device time is the whole second it fell in: the record came before the next second
        span.datHi = Math.min(span.datHi ?? Infinity, hi.get(r.seq)! + (w.source === "device" ? 1 : 0));
      }
    }
    if (anchor && restart) {
      if (certain) {
        const err = 2 + eps * (at + 1);
        span.refLo = anchor.offset - err;
        span.refHi = anchor.offset + err;
      } else {
        span.refLo = lo.get(first!.seq);
        span.refHi = hi.get(first!.seq);
      }
    }
    return span;
  });

  // Chain forwards: a power-on that may have restarted the clock began after every earlier record (the earliest
  // they can have ended: their datable records, or an undatable restart's reference point + the clock seconds to
  // its largest relative time, the clock allowed to run fast). Not across a hole.
  let endLo: number | undefined;
  spans.forEach((s) => {
    if (s.broken) endLo = undefined;
    if (s.undatable && s.restart && endLo !== undefined) s.refLo = endLo;
    const own = Math.max(s.datLo ?? -Infinity, s.undatable && s.restart && s.refLo !== undefined && s.len !== undefined ? s.refLo + elapsed(s, s.len) * (1 - eps) : -Infinity);
    if (own > -Infinity) endLo = Math.max(endLo ?? -Infinity, own);
  });
  // Chain backwards: every record of a power-on came before the reference point of any later one that may have
  // restarted the clock (the latest it can be: its datable records, or the next such point − the clock seconds
  // from it to its largest relative time). Not across a hole.
  const recHi: (number | undefined)[] = [];
  let nextRefHi: number | undefined;
  for (let i = spans.length - 1; i >= 0; i--) {
    const s = spans[i];
    recHi[i] = nextRefHi;
    if (s.undatable && s.restart) {
      const viaEnd = nextRefHi !== undefined && s.len !== undefined ? nextRefHi - elapsed(s, s.len) * (1 - eps) : Infinity;
      const h = Math.min(s.datHi ?? Infinity, viaEnd);
      if (h < Infinity) s.refHi = h;
    }
    if (s.restart && s.refHi !== undefined) nextRefHi = Math.min(nextRefHi ?? Infinity, s.refHi);
    if (s.broken) nextRefHi = undefined;
  }

  // Nearest datable records in seq order (seq order is write order).
  const nnLo = new Map<number, number>();
  const nnHi = new Map<number, number>();
  let last: number | undefined;
  for (const r of sorted) {
    if (lo.has(r.seq)) last = Math.max(last ?? -Infinity, lo.get(r.seq)!);
    else if (last !== undefined) nnLo.set(r.seq, last);
  }
  let next: number | undefined;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const r = sorted[i];
    if (hi.has(r.seq)) next = Math.min(next ?? Infinity, hi.get(r.seq)!);
    else if (next !== undefined) nnHi.set(r.seq, next);
  }

  for (const r of sorted) {
    const w = out.get(r.seq)!;
    if (w.source !== "undatable") continue;
    const s = spans[w.powerOn];
    const t = r.time; // relative (an undatable power-on's absolute records are device-dated)
    // At least the clock seconds from the reference point after it (a floor-stamped clock that may run fast);
    // at least (len − t − 1) seconds before the power-on's largest relative time, which came before the next
    // reference point.
    const cLo = s.undatable && s.restart && s.refLo !== undefined ? s.refLo + elapsed(s, t) * (1 - eps) : undefined;
    const cHi = recHi[w.powerOn] !== undefined && s.len !== undefined ? recHi[w.powerOn]! - Math.max(0, s.len - t - 1) * (1 - eps) : undefined;
    const nb0 = nnLo.get(r.seq);
    const na0 = nnHi.get(r.seq);
    let nb = max(nb0, cLo);
    let na = min(na0, cHi);
    // Evidence that contradicts itself (a clock set wrongly, a lost BOOT) keeps the nearest-neighbour bounds.
    if (nb !== undefined && na !== undefined && nb > na) (nb = nb0), (na = na0);
    if (nb !== undefined) w.notBefore = Math.floor(nb);
    if (na !== undefined) w.notAfter = Math.ceil(na);
    if (w.notBefore !== undefined && w.notAfter !== undefined && w.notBefore <= w.notAfter && w.notAfter - w.notBefore <= within) {
      w.source = "bounded";
      w.wall = Math.floor((w.notBefore + w.notAfter) / 2);
      w.uncertaintySeconds = w.notAfter - w.wall;
    }
  }
  return out;
}

const max = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
const min = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
