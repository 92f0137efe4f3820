// What a synced log means to a person: the cap's records (docs/architecture.md) turned into sessions with a
// wall time, doses counted the way the cap's own rules mean them, and the alerts the cap gave. Pure (no DOM),
// so the vitest suite checks it on the simulator's logs.
import type { Status } from "../../client/client";
import { annotation, doseTempC, doseUnits, insulinType, type DoseRecord } from "../../client/record";
import { reconstruct, type TimeSource, type WallTime } from "../../client/timeline";
import { T } from "../../client/protocol";
import { RecordStore } from "../../client/store";
import { rows as exportRows } from "../../client/export";
import { capDoubleDoseSignals } from "../../client/stats";

/** Record types client/protocol.ts does not name in T. */
const CAP_LEFT_OFF = 4;
const TEMP_EXCURSION = 5;
const BATTERY_LOW = 8;
const ERROR = 10;
const LOG_CORRUPTION = 11;
const SAFE_MODE = 13;

/** Flag bits (docs/architecture.md, the record's `flags`). */
const F_PRIMING = 0x02; // on a session record: the DOSE just before it may have been a priming shot
const F_INTERRUPTED = 0x04;

/** Detection defaults (docs/detection.md, docs/config.md). */
export const LEFT_OFF_S = 600;

/**
 * dose: a DOSE; uncertain: an UNCERTAIN_DOSE (cap left off, or a session cut by a reboot) — counted as a dose
 * and shown with a warning; prime: a DOSE the next session record marks as a possible priming shot — shown,
 * never counted; check: a CAP_CHECK (too short to inject).
 */
export type MarkKind = "dose" | "uncertain" | "prime" | "check";

export interface Session {
  seq: number;
  kind: MarkKind;
  /** The cap-off time (the record's time), Unix seconds; undefined when it cannot be dated. */
  wall: number | undefined;
  timeSource: TimeSource;
  /** Bounded only (timeSource "bounded"): the true time lies within wall ± this many seconds. */
  uncertaintySeconds?: number;
  /** The raw record time (seconds since power-on when relative). */
  deviceTime: number;
  offSeconds: number;
  tempC: number | undefined;
  /** The best estimate: the newest annotation's units when there is one, else the cap's reading (as client/export.ts). */
  units: number | undefined;
  /** The cap's own reading (undefined: it could not read the units); never replaced by an annotation. */
  capUnits: number | undefined;
  /** Every annotation of this session, newest first: the record's seq, its wall time (undefined: undatable), the units. */
  annotations: { seq: number; wall: number | undefined; units: number }[];
  insulin: "unset" | "rapid" | "basal" | "other";
  interrupted: boolean;
  leftOff: boolean;
  /** prime: the seq of the session record that flagged it (the injection it primed). */
  primedSeq?: number;
  /** The cap gave its double-dose warning — the buzzer alarm of an injection attempt — at this removal (seconds
   *  since the last dose it knew). Derived by client/stats.ts capDoubleDoseSignals, the firmware's rule. */
  warnedAfter?: number;
  /** The cap gave only the quiet double-dose cue (red ×5, no buzzer) at this removal: a look at the pen inside
   *  the window (seconds since the last dose). */
  cuedAfter?: number;
  /** One of the 5 quick clicks of the pairing gesture (docs/protocol.md §6): a cap check, not an attempt to dose. */
  gesture?: boolean;
}

export interface Excursion {
  seq: number;
  wall: number | undefined; // start
  minutes: number;
  extremeC: number | undefined;
  hot: boolean;
}

export interface Event {
  seq: number;
  wall: number | undefined;
  type: "CAP_LEFT_OFF" | "BATTERY_LOW" | "ERROR" | "LOG_CORRUPTION" | "SAFE_MODE" | "BOOT" | "TIME_SET";
  text: string;
}

export interface LogData {
  serial: string;
  records: DoseRecord[];
  status?: Status;
  /** Unix seconds of the last sync (or of the export). */
  syncedAt?: number;
  /** Where the data came from, for the page ("cap PENCAP-1234", "file log.json"). */
  source: string;
  /** Seq ranges the store could not get (client/store.ts gaps), if known. */
  gaps?: { from: number; to: number; kind: string }[];
}

export interface Analysis {
  serial: string;
  sessions: Session[]; // every DOSE / UNCERTAIN_DOSE / CAP_CHECK, in seq order
  /** Counted doses: dose + uncertain (primes and cap checks are not doses). */
  doses: Session[];
  undatable: Session[]; // sessions without a wall time (all kinds), never dropped
  /** Sessions at whose removal the cap gave its double-dose alarm (buzzer: an injection attempt). */
  warnings: Session[];
  /** Sessions at whose removal the cap gave only the quiet cue (not counting the pairing gesture's clicks). */
  cues: Session[];
  /** Pairing gestures found: the first click of each. */
  gestures: Session[];
  excursions: Excursion[];
  events: Event[];
  newestWall: number | undefined;
  batteryPercent: number | undefined;
  syncedAt: number | undefined;
  records: number;
  gaps: { from: number; to: number; kind: string }[];
  source: string;
}

/** The full seq an ANNOTATION points at (as client/export.ts): the latest seq below it with those low 24 bits. */
function annotatedSeq(r: DoseRecord): number {
  const low = annotation(r).seqLow24;
  let s = r.seq - (r.seq % 0x1000000) + low;
  if (s >= r.seq) s -= 0x1000000;
  return s;
}

const isSession = (t: number) => t === T.DOSE || t === T.CAP_CHECK || t === T.UNCERTAIN_DOSE;

/**
 * The pairing gesture: 5 removals, the first and the fifth at most 6 s apart (docs/protocol.md §6); the clicks
 * are ordinary CAP_CHECKs in the log. The cap plays its quiet double-dose cue at such clicks when a dose was
 * recent; the app shows the gesture for what it was instead.
 */
function markGestures(sessions: Session[]): void {
  for (let i = 0; i + 4 < sessions.length; i++) {
    const run = sessions.slice(i, i + 5);
    if (!run.every((s) => s.kind === "check")) continue;
    const t0 = run[0].wall ?? run[0].deviceTime;
    const t4 = run[4].wall ?? run[4].deviceTime;
    if (t4 - t0 <= 6 && t4 >= t0) {
      for (const s of run) s.gesture = true;
      i += 4;
    }
  }
}

export function analyse(log: LogData): Analysis {
  const sorted = [...log.records].sort((x, y) => x.seq - y.seq);
  const times = reconstruct(sorted);
  // Annotations are additive (docs/protocol.md "Annotate dose"): all of them, newest (highest seq) first.
  const annotations = new Map<number, Session["annotations"]>();
  for (const r of sorted) {
    if (r.type !== T.ANNOTATION) continue;
    const list = annotations.get(annotatedSeq(r)) ?? [];
    list.unshift({ seq: r.seq, wall: times.get(r.seq)?.wall, units: annotation(r).units });
    annotations.set(annotatedSeq(r), list);
  }

  const sessions: Session[] = [];
  const excursions: Excursion[] = [];
  const events: Event[] = [];
  let prevSession: Session | undefined;
  let prevSessionType = 0;
  // The cap's double-dose signals, by the firmware's rule (one implementation: client/stats.ts).
  const store = new RecordStore(log.serial);
  for (const r of sorted) store.add(r);
  const signals = new Map(capDoubleDoseSignals(exportRows(store)).map((w) => [w.seq, w]));
  let newestWall: number | undefined;
  for (const r of sorted) {
    const w = times.get(r.seq) ?? ({ wall: undefined, source: "undatable", powerOn: -1 } as WallTime);
    if (w.wall !== undefined && (newestWall === undefined || w.wall > newestWall)) newestWall = w.wall;
    if (r.type === T.BOOT) {
      events.push({ seq: r.seq, wall: w.wall, type: "BOOT", text: `cap restarted (reset reason ${r.a})` });
      prevSessionType = 0;
      continue;
    }
    if (isSession(r.type)) {
      const interrupted = !!(r.flags & F_INTERRUPTED);
      const leftOff = r.type === T.UNCERTAIN_DOSE && !interrupted;
      const s: Session = {
        seq: r.seq,
        kind: r.type === T.DOSE ? "dose" : r.type === T.UNCERTAIN_DOSE ? "uncertain" : "check",
        wall: w.wall,
        timeSource: w.source,
        uncertaintySeconds: w.uncertaintySeconds,
        deviceTime: r.time,
        offSeconds: r.a,
        tempC: doseTempC(r),
        units: annotations.get(r.seq)?.[0]?.units ?? doseUnits(r),
        capUnits: doseUnits(r),
        annotations: annotations.get(r.seq) ?? [],
        insulin: insulinType(r),
        interrupted,
        leftOff,
      };
      // The priming hint rides on the later record and names the DOSE just before it (docs/detection.md).
      if (r.flags & F_PRIMING && prevSession && prevSessionType === T.DOSE) {
        prevSession.kind = "prime";
        prevSession.primedSeq = r.seq;
      }
      const sig = signals.get(r.seq);
      if (sig?.kind === "alarm") s.warnedAfter = sig.secondsSinceLastDose;
      else if (sig) s.cuedAfter = sig.secondsSinceLastDose;
      sessions.push(s);
      prevSession = s;
      prevSessionType = r.type;
      continue;
    }
    if (r.type === TEMP_EXCURSION) {
      const t = r.b & 0xff;
      excursions.push({ seq: r.seq, wall: w.wall, minutes: r.a, extremeC: t === 0x80 ? undefined : t > 127 ? t - 256 : t, hot: r.b >> 8 !== 2 });
    } else if (r.type === CAP_LEFT_OFF) events.push({ seq: r.seq, wall: w.wall, type: "CAP_LEFT_OFF", text: `cap left off (alert after ${Math.round(r.a / 60)} min)` });
    else if (r.type === BATTERY_LOW) events.push({ seq: r.seq, wall: w.wall, type: "BATTERY_LOW", text: `battery low (${r.a} mV, ${r.b} %)` });
    else if (r.type === ERROR) events.push({ seq: r.seq, wall: w.wall, type: "ERROR", text: `cap error code ${r.a} (place ${r.b})` });
    else if (r.type === LOG_CORRUPTION) events.push({ seq: r.seq, wall: w.wall, type: "LOG_CORRUPTION", text: `log damage found and skipped (${r.b} slot(s))` });
    else if (r.type === SAFE_MODE) events.push({ seq: r.seq, wall: w.wall, type: "SAFE_MODE", text: `cap entered safe mode after ${r.a} crash(es)` });
    else if (r.type === T.TIME_SET) events.push({ seq: r.seq, wall: w.wall, type: "TIME_SET", text: "cap clock set by the app" });
  }
  markGestures(sessions);
  const doses = sessions.filter((s) => s.kind === "dose" || s.kind === "uncertain");
  return {
    serial: log.serial,
    sessions,
    doses,
    undatable: sessions.filter((s) => s.wall === undefined),
    warnings: sessions.filter((s) => s.warnedAfter !== undefined),
    cues: sessions.filter((s) => s.cuedAfter !== undefined && !s.gesture),
    gestures: sessions.filter((s, i) => s.gesture && !sessions[i - 1]?.gesture),
    excursions,
    events,
    newestWall,
    batteryPercent: log.status?.batteryPercent,
    syncedAt: log.syncedAt,
    records: sorted.length,
    gaps: log.gaps ?? [],
    source: log.source,
  };
}
