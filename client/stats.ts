// Statistics for the patient and clinician views (docs/client.md "Statistics"): pure functions over the rows of
// a log (client/export.ts `rows`). Every day, hour and schedule window is taken in the patient's IANA time zone
// (`tz`), so a dose at 23:30 in Berlin counts for that Berlin day whatever zone the computer runs in. Times are
// Unix seconds. Primes are never doses here; undatable doses are counted apart and never placed on a day.
import type { ExportRow } from "./export";
import { datesBetween, localDate, secondsOfDay, zonedToUnix } from "./tz";

/** A true dose with a wall time (an UNCERTAIN_DOSE too, flagged). */
export interface DoseEvent {
  id: string;
  seq: number;
  /** Unix seconds UTC. */
  wall: number;
  /**
   * What the statistics sum: the newest annotation's units when the dose was annotated (the patient's latest
   * word on what was given), else the cap's reading (ExportRow.units, unitsSource).
   */
  units: number | undefined;
  unitsSource: "cap" | "annotation" | undefined;
  /** The cap's own reading, kept beside the annotated units (never replaced). */
  capUnits: number | undefined;
  /** Every annotation of the dose, newest first (ExportRow.annotations). */
  annotations: ExportRow["annotations"];
  insulin: "unset" | "rapid" | "basal" | "other";
  uncertain: boolean;
  /** A prime shortly before this dose was left out. */
  afterPrime: boolean;
  timeSource: "device" | "reconstructed" | "bounded";
}

/**
 * Splits the rows into datable doses (seq order), doses without a wall time (`undatable`: show them, never drop
 * them), and primes (DOSE records a later priming flag points at; not doses).
 */
export function doseEvents(rows: readonly ExportRow[]): { doses: DoseEvent[]; undatable: ExportRow[]; primes: ExportRow[] } {
  const doses: DoseEvent[] = [];
  const undatable: ExportRow[] = [];
  const primes: ExportRow[] = [];
  for (const r of rows) {
    if (r.role === "prime") primes.push(r);
    if (r.role !== "dose") continue;
    if (r.wallTime === undefined) {
      undatable.push(r);
      continue;
    }
    doses.push({
      id: r.id, seq: r.seq, wall: Date.parse(r.wallTime) / 1000, units: r.units, unitsSource: r.unitsSource,
      capUnits: r.capUnits, annotations: r.annotations ?? [], insulin: r.insulin ?? "unset", uncertain: r.uncertain,
      afterPrime: r.afterPrime, timeSource: r.timeSource as DoseEvent["timeSource"],
    });
  }
  return { doses, undatable, primes };
}

/** Local dates `from`..`to` inclusive, "YYYY-MM-DD" in the patient's zone. */
export interface Period {
  from: string;
  to: string;
}

/** The `days` local dates ending with the local date of `endUnix` (e.g. 14, 30 or 90 days up to today). */
export function periodEnding(endUnix: number, days: number, tz: string): Period {
  const to = localDate(endUnix, tz);
  const [y, m, d] = to.split("-").map(Number);
  const from = new Date(Date.UTC(y, m - 1, d) - (days - 1) * 86400000).toISOString().slice(0, 10);
  return { from, to };
}

export interface DayCount {
  date: string;
  /** True doses that day, uncertain ones included. */
  doses: number;
  uncertain: number;
  /** Sum of the known units (a dose's newest annotation when it has one, else the cap's reading: DoseEvent.units). */
  units: number;
  /** Doses whose units are unknown (the cap could not read them and no annotation gave them). */
  unitsUnknown: number;
}

/** Doses per local day over the period; every day of the period is present, days without doses with 0. */
export function dosesPerDay(doses: readonly DoseEvent[], period: Period, tz: string): DayCount[] {
  const days = new Map<string, DayCount>();
  for (const date of datesBetween(period.from, period.to)) days.set(date, { date, doses: 0, uncertain: 0, units: 0, unitsUnknown: 0 });
  for (const d of doses) {
    const c = days.get(localDate(d.wall, tz));
    if (!c) continue;
    c.doses++;
    if (d.uncertain) c.uncertain++;
    if (d.units === undefined) c.unitsUnknown++;
    else c.units += d.units;
  }
  return [...days.values()];
}

/** Doses per local hour of day (index 0 = 00:00–00:59): the time-of-day pattern. */
export function hourHistogram(doses: readonly DoseEvent[], tz: string): number[] {
  const h = new Array<number>(24).fill(0);
  for (const d of doses) h[Math.floor(secondsOfDay(d.wall, tz) / 3600)]++;
  return h;
}

/** A scheduled dose: local time "HH:MM", a tolerance either side, and which insulin it is for. */
export interface ScheduleSlot {
  time: string;
  toleranceMinutes: number;
  /** "basal"/"rapid": doses of the other type do not count; doses whose type is unset or other always count. */
  insulin?: "basal" | "rapid" | "any";
  label?: string;
}

function slotSeconds(slot: ScheduleSlot): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(slot.time);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new RangeError(`schedule time "${slot.time}" is not HH:MM`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60;
}
const fits = (d: DoseEvent, slot: ScheduleSlot) =>
  !slot.insulin || slot.insulin === "any" || d.insulin === slot.insulin || d.insulin === "unset" || d.insulin === "other";

/**
 * taken: a dose in the window. uncertain: only uncertain doses in it. missed: none, and the log covers the whole
 * window. not-covered: the window is (partly) outside what the log covers — the cap was not synced through it, or
 * the log starts later — so nothing can be said.
 */
export type SlotStatus = "taken" | "uncertain" | "missed" | "not-covered";

export interface SlotDay {
  date: string;
  status: SlotStatus;
  /** Unix seconds of the window in the patient's zone. */
  windowStart: number;
  windowEnd: number;
  /** Doses in the window (ids). */
  doseIds: string[];
  /** Minutes from the scheduled time to the first dose in the window (negative: early). */
  offsetMinutes: number | undefined;
}

/**
 * For each local date of the period, whether the scheduled dose was taken in its window (e.g. basal at 22:00 ± 2 h:
 * 20:00–24:00 local time of that date; a window may run into the next date). `covered` is the span of time the
 * log speaks for: from its first record to the last sync.
 */
export function scheduleAdherence(doses: readonly DoseEvent[], slot: ScheduleSlot, period: Period, tz: string, covered: { from: number; to: number }): SlotDay[] {
  const at = slotSeconds(slot);
  const tol = slot.toleranceMinutes * 60;
  return datesBetween(period.from, period.to).map((date) => {
    const [y, m, d] = date.split("-").map(Number);
    const target = zonedToUnix(y, m, d, at, tz);
    const windowStart = target - tol;
    const windowEnd = target + tol;
    const inside = doses.filter((x) => x.wall >= windowStart && x.wall <= windowEnd && fits(x, slot));
    let status: SlotStatus;
    if (inside.some((x) => !x.uncertain)) status = "taken";
    else if (inside.length) status = "uncertain";
    else status = windowStart >= covered.from && windowEnd <= covered.to ? "missed" : "not-covered";
    return { date, status, windowStart, windowEnd, doseIds: inside.map((x) => x.id), offsetMinutes: inside.length ? Math.round((inside[0].wall - target) / 60) : undefined };
  });
}

export interface Regularity {
  /** Days with a dose in the slot's window. */
  count: number;
  /** Mean of (dose − scheduled time) in minutes, first dose in each window. */
  meanOffsetMinutes: number | undefined;
  /** Standard deviation of those offsets in minutes (population); undefined below 2 doses. */
  sdMinutes: number | undefined;
  /** Share (0..1) of the covered days whose dose came within ±30 min of the scheduled time. */
  within30Minutes: number | undefined;
}

/** Timing regularity of one scheduled dose, from scheduleAdherence's days. */
export function timingRegularity(days: readonly SlotDay[]): Regularity {
  const offs = days.map((d) => d.offsetMinutes).filter((x): x is number => x !== undefined);
  const coveredDays = days.filter((d) => d.status !== "not-covered").length;
  if (!offs.length) return { count: 0, meanOffsetMinutes: undefined, sdMinutes: undefined, within30Minutes: coveredDays ? 0 : undefined };
  const mean = offs.reduce((s, x) => s + x, 0) / offs.length;
  const sd = offs.length >= 2 ? Math.sqrt(offs.reduce((s, x) => s + (x - mean) ** 2, 0) / offs.length) : undefined;
  return {
    count: offs.length,
    meanOffsetMinutes: Math.round(mean * 10) / 10,
    sdMinutes: sd === undefined ? undefined : Math.round(sd * 10) / 10,
    within30Minutes: coveredDays ? offs.filter((x) => Math.abs(x) <= 30).length / coveredDays : undefined,
  };
}

export interface ClosePair {
  first: DoseEvent;
  second: DoseEvent;
  minutesApart: number;
}

/**
 * Consecutive true doses less than `windowSeconds` apart (default 2 h: the cap's double-dose window for rapid
 * insulin, docs/detection.md). Prime + injection pairs never appear: the prime is not a dose.
 */
export function closeDoses(doses: readonly DoseEvent[], windowSeconds = 7200): ClosePair[] {
  const sorted = [...doses].sort((a, b) => a.wall - b.wall);
  const out: ClosePair[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i].wall - sorted[i - 1].wall;
    if (gap < windowSeconds) out.push({ first: sorted[i - 1], second: sorted[i], minutesApart: Math.round(gap / 60) });
  }
  return out;
}

export interface Excursion {
  id: string;
  /** Unix seconds of the first out-of-range reading; undefined when undatable. */
  start: number | undefined;
  minutes: number;
  kind: "hot" | "cold" | "unknown";
  extremeC: number | undefined;
}

/** Temperature excursions of the insulin (TEMP_EXCURSION records), in log order. */
export function excursions(rows: readonly ExportRow[]): Excursion[] {
  return rows
    .filter((r) => r.type === "TEMP_EXCURSION")
    .map((r) => ({ id: r.id, start: r.wallTime === undefined ? undefined : Date.parse(r.wallTime) / 1000, minutes: r.durationMinutes ?? 0, kind: r.excursion ?? "unknown", extremeC: r.temperatureC }));
}

/** The span of time a log speaks for: its first datable record to `syncedAt` (the last sync or export). */
export function coveredSpan(rows: readonly ExportRow[], syncedAt: number): { from: number; to: number } {
  let from = syncedAt;
  for (const r of rows) if (r.wallTime !== undefined) from = Math.min(from, Date.parse(r.wallTime) / 1000);
  return { from, to: syncedAt };
}

export interface ClinicianReport {
  tz: string;
  period: Period;
  perDay: DayCount[];
  totalDoses: number;
  uncertainDoses: number;
  meanDosesPerDay: number;
  hours: number[];
  schedule: { slot: ScheduleSlot; days: SlotDay[]; regularity: Regularity; missed: number; notCovered: number }[];
  closePairs: ClosePair[];
  /** The double-dose warnings the cap gave in the period: its buzzer alarms (capDoubleDoseWarnings). */
  capWarnings: CapWarning[];
  /** The quiet double-dose cues alone in the period (removals inside the window that were looks, not attempts). */
  capCues: CapWarning[];
  excursions: Excursion[];
  /** Primes left out of every count (shown so a clinician sees nothing was hidden). */
  primes: number;
  /** Doses without a wall time: listed, never placed on a day. */
  undatable: ExportRow[];
}

/**
 * Everything the clinician report shows for the `days` (14, 30, 90) local days ending at `endUnix`, in `tz`.
 * `syncedAt` (Unix seconds of the last sync, default `endUnix`) bounds what can be called "missed".
 */
export function clinicianReport(rows: readonly ExportRow[], o: { tz: string; days: number; endUnix: number; syncedAt?: number; schedule?: ScheduleSlot[]; closeWindowSeconds?: number }): ClinicianReport {
  const period = periodEnding(o.endUnix, o.days, o.tz);
  const { doses, undatable, primes } = doseEvents(rows);
  const first = Date.parse(period.from + "T00:00:00Z") / 1000 - 86400 * 2; // zone slack; exact filtering by local date below
  const inPeriod = doses.filter((d) => d.wall >= first && localDate(d.wall, o.tz) >= period.from && localDate(d.wall, o.tz) <= period.to);
  const perDay = dosesPerDay(inPeriod, period, o.tz);
  const covered = coveredSpan(rows, o.syncedAt ?? o.endUnix);
  const schedule = (o.schedule ?? []).map((slot) => {
    const days = scheduleAdherence(doses, slot, period, o.tz, covered);
    return { slot, days, regularity: timingRegularity(days), missed: days.filter((d) => d.status === "missed").length, notCovered: days.filter((d) => d.status === "not-covered").length };
  });
  const total = perDay.reduce((s, d) => s + d.doses, 0);
  const signals = capDoubleDoseSignals(rows).filter((w) => localDate(w.at, o.tz) >= period.from && localDate(w.at, o.tz) <= period.to);
  const ex = excursions(rows).filter((e) => e.start === undefined || (localDate(e.start, o.tz) >= period.from && localDate(e.start, o.tz) <= period.to));
  return {
    tz: o.tz,
    period,
    perDay,
    totalDoses: total,
    uncertainDoses: perDay.reduce((s, d) => s + d.uncertain, 0),
    meanDosesPerDay: perDay.length ? Math.round((total / perDay.length) * 100) / 100 : 0,
    hours: hourHistogram(inPeriod, o.tz),
    schedule,
    closePairs: closeDoses(inPeriod, o.closeWindowSeconds),
    capWarnings: signals.filter((w) => w.kind === "alarm"),
    capCues: signals.filter((w) => w.kind === "cue"),
    excursions: ex,
    primes: primes.length,
    undatable,
  };
}

export interface CapWarning {
  /** The session record at whose removal the cap gave the signal. */
  id: string;
  seq: number;
  /** Unix seconds of that removal. */
  at: number;
  /** The dose the signal was about, and how long before the removal it ended. */
  lastDoseId: string;
  secondsSinceLastDose: number;
  minutesSinceLastDose: number;
  /** "cue": the quiet one only (5 red flashes, no buzzer: a look at the pen); "alarm": the cue, then the buzzer
   *  alarm 4 s later (the cap stayed off: an injection attempt). */
  kind: "cue" | "alarm";
}

/** Boot reasons that restart the cap's clock (firmware/main.ts scanLog): power-on/brown-out, wake, unknown. */
const CLOCK_RESTART = new Set([0, 5, 15]);

/**
 * Every double-dose signal the cap gave, re-derived from its records by the firmware's own rule
 * (firmware/detect/detector.ts `commit`, docs/detection.md "Double-dose warning"). At a removal (any session
 * record — DOSE, CAP_CHECK, UNCERTAIN_DOSE not cut by a reboot — dated at its cap-off time) whose last dose
 * ended s seconds before, 0 ≤ s ≤ window:
 * - the quiet cue always;
 * - the alarm too when the cap stayed off ≥ `warnAttemptS` (4 s; the record's rounded cap-off seconds, so a
 *   session of 3.5–4 s is the one ambiguous case) and s > the pair window (max(600 s, primingWindowS); none
 *   when primingWindowS is 0): within it the last dose may have been an air shot.
 * The last dose: a DOSE's end (removal + cap-off seconds); an UNCERTAIN_DOSE cut by a reboot, its end too; a cap
 * left off, its removal. The window is `windowSeconds` when the cap's config sets one, else by the insulin type
 * on the record: basal 8 h, otherwise 2 h. A BOOT that restarts the clock (power-on, wake, unknown) forgets the
 * last dose; a soft/pin/watchdog reset keeps it, as the cap's boot scan does. Rows without a wall time are
 * skipped (their signals cannot be placed). The pairing gesture's 5 quick clicks get the cue like any look.
 */
export function capDoubleDoseSignals(rows: readonly ExportRow[], o: { primingWindowS?: number; windowSeconds?: number; warnAttemptS?: number } = {}): CapWarning[] {
  const priming = o.primingWindowS ?? 120;
  const pair = priming === 0 ? 0 : Math.max(600, priming);
  const attempt = o.warnAttemptS ?? 4;
  const out: CapWarning[] = [];
  let last: { id: string; end: number } | undefined;
  for (const r of rows) {
    if (r.type === "BOOT" && CLOCK_RESTART.has(r.a)) last = undefined;
    if (r.wallTime === undefined || !["DOSE", "CAP_CHECK", "UNCERTAIN_DOSE"].includes(r.type)) continue;
    const at = Date.parse(r.wallTime) / 1000;
    const off = r.capOffSeconds ?? 0;
    if (last && !r.interruptedByReboot) {
      const s = at - last.end;
      const window = o.windowSeconds ?? (r.insulin === "basal" ? 8 * 3600 : 2 * 3600);
      if (s >= 0 && s <= window) out.push({ id: r.id, seq: r.seq, at, lastDoseId: last.id, secondsSinceLastDose: s, minutesSinceLastDose: Math.round(s / 60), kind: s > pair && off >= attempt ? "alarm" : "cue" });
    }
    if (r.type === "DOSE" || (r.type === "UNCERTAIN_DOSE" && r.interruptedByReboot)) last = { id: r.id, end: at + off };
    else if (r.type === "UNCERTAIN_DOSE") last = { id: r.id, end: at };
  }
  return out;
}

/**
 * The double-dose warnings the cap gave: its buzzer alarms (capDoubleDoseSignals of kind "alarm"), the signal
 * that asks the patient to stop. The quiet cues at looks are in capDoubleDoseSignals.
 */
export function capDoubleDoseWarnings(rows: readonly ExportRow[], o: { primingWindowS?: number; windowSeconds?: number; warnAttemptS?: number } = {}): CapWarning[] {
  return capDoubleDoseSignals(rows, o).filter((w) => w.kind === "alarm");
}
