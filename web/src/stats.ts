// Figures over days in the patient's zone: per-day rows for the timeline, the basal schedule check and the
// clinician report (doses per day, timing regularity, missed basal, doses within 2 h, excursions). Pure.
import type { Analysis, Excursion, Session } from "./model";
import { addDays, zoned } from "./tz";

/** The schedule the user sets: basal at `basalMinutes` (minutes after midnight) ± `toleranceMinutes`. */
export interface Schedule {
  basalMinutes: number | null;
  toleranceMinutes: number;
}

export interface DayRow {
  day: string;
  sessions: Session[]; // every mark of the day (doses, uncertain, primes, checks), by time
  doses: Session[]; // counted doses
  excursions: Excursion[];
  /** Scheduled basal: the dose taken for it, "missed", "pending" (window not over yet) or undefined (no schedule). */
  basal: Session | "missed" | "pending" | undefined;
}

/** Minutes from the scheduled basal time to `minutes`, wrapped into [-720, 720). */
function fromSchedule(minutes: number, basal: number): number {
  let d = minutes - basal;
  while (d < -720) d += 1440;
  while (d >= 720) d -= 1440;
  return d;
}

/** The day a dose belongs to for the basal schedule (a window may cross midnight). */
function basalDay(s: Session, sched: Schedule, tz: string): { day: string; delta: number } | undefined {
  if (sched.basalMinutes === null || s.wall === undefined) return undefined;
  const z = zoned(s.wall, tz);
  const delta = fromSchedule(z.minutes, sched.basalMinutes);
  if (Math.abs(delta) > sched.toleranceMinutes) return undefined;
  const raw = z.minutes - sched.basalMinutes;
  const day = raw - delta > 0 ? addDays(z.day, 1) : raw - delta < 0 ? addDays(z.day, -1) : z.day;
  return { day, delta };
}

/** One row per day from `firstDay` to `lastDay` (day keys in `tz`); `now` decides what is still pending. */
export function dayRows(an: Analysis, tz: string, firstDay: string, lastDay: string, sched: Schedule, now: number): DayRow[] {
  const rows = new Map<string, DayRow>();
  for (let d = firstDay; d <= lastDay; d = addDays(d, 1)) rows.set(d, { day: d, sessions: [], doses: [], excursions: [], basal: undefined });
  for (const s of an.sessions) {
    if (s.wall === undefined) continue;
    const row = rows.get(zoned(s.wall, tz).day);
    if (!row) continue;
    row.sessions.push(s);
    if (s.kind === "dose" || s.kind === "uncertain") row.doses.push(s);
  }
  for (const e of an.excursions) {
    if (e.wall === undefined) continue;
    rows.get(zoned(e.wall, tz).day)?.excursions.push(e);
  }
  if (sched.basalMinutes !== null) {
    const best = new Map<string, { s: Session; delta: number }>();
    for (const s of an.doses) {
      const b = basalDay(s, sched, tz);
      if (!b) continue;
      const cur = best.get(b.day);
      if (!cur || Math.abs(b.delta) < Math.abs(cur.delta)) best.set(b.day, { s, delta: b.delta });
    }
    const nowZ = zoned(now, tz);
    for (const row of rows.values()) {
      const hit = best.get(row.day);
      if (hit) row.basal = hit.s;
      else {
        // The window of this day ends at basal + tolerance, which may be on the next calendar day.
        const endMin = sched.basalMinutes + sched.toleranceMinutes;
        const endDay = endMin >= 1440 ? addDays(row.day, 1) : row.day;
        const over = nowZ.day > endDay || (nowZ.day === endDay && nowZ.minutes > endMin % 1440);
        row.basal = over ? "missed" : "pending";
      }
    }
  }
  return [...rows.values()];
}

export interface SlotFigure {
  name: string;
  from: number; // minutes
  to: number;
  days: number; // days with at least one dose in the slot
  meanMinutes: number | undefined; // mean time of the first dose in the slot
  sdMinutes: number | undefined;
}

export interface Report {
  firstDay: string;
  lastDay: string;
  days: number;
  doses: number;
  uncertain: number;
  primes: number;
  checks: number;
  dosesPerDay: number;
  minPerDay: number;
  maxPerDay: number;
  daysWithoutDose: number;
  slots: SlotFigure[];
  basal: { scheduled: boolean; taken: number; missed: string[]; meanDelta: number | undefined; sdMinutes: number | undefined };
  within2h: [Session, Session][];
  /** The cap's double-dose alarms (buzzer: the cap stayed off past 4 s inside the window). */
  warnings: Session[];
  /** The quiet cues alone (looks at the pen inside the window; pairing-gesture clicks left out). */
  cues: Session[];
  excursions: Excursion[];
  rows: DayRow[];
}

/** Time-of-day slots for the regularity figures (the usual meal and bedtime injections). */
export const SLOTS: [string, number, number][] = [
  ["morning 04–10", 4 * 60, 10 * 60],
  ["midday 10–15", 10 * 60, 15 * 60],
  ["evening 15–20", 15 * 60, 20 * 60],
  ["night 20–04", 20 * 60, 28 * 60],
];

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined);
const sd = (v: number[]) => {
  const m = mean(v);
  if (m === undefined || v.length < 2) return undefined;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
};

export function report(an: Analysis, tz: string, firstDay: string, lastDay: string, sched: Schedule, now: number): Report {
  const rows = dayRows(an, tz, firstDay, lastDay, sched, now);
  const doses = rows.flatMap((r) => r.doses);
  const all = rows.flatMap((r) => r.sessions);
  const perDay = rows.map((r) => r.doses.length);
  const slots: SlotFigure[] = SLOTS.map(([name, from, to]) => {
    const firsts: number[] = [];
    for (const r of rows) {
      for (const s of r.doses) {
        let m = zoned(s.wall!, tz).minutes;
        if (m < from) m += 1440; // the night slot runs past midnight
        if (m >= from && m < to) {
          firsts.push(m);
          break;
        }
      }
    }
    const mm = mean(firsts);
    return { name, from, to, days: firsts.length, meanMinutes: mm === undefined ? undefined : mm % 1440, sdMinutes: sd(firsts) };
  });
  const basalTaken = rows.filter((r) => typeof r.basal === "object");
  const deltas = basalTaken.map((r) => fromSchedule(zoned((r.basal as Session).wall!, tz).minutes, sched.basalMinutes ?? 0));
  const within2h: [Session, Session][] = [];
  const dated = an.doses.filter((s) => s.wall !== undefined).sort((x, y) => x.wall! - y.wall!);
  const inRange = new Set(doses);
  for (let i = 1; i < dated.length; i++) {
    const a = dated[i - 1];
    const b = dated[i];
    if ((inRange.has(a) || inRange.has(b)) && b.wall! - a.wall! < 2 * 3600) within2h.push([a, b]);
  }
  return {
    firstDay,
    lastDay,
    days: rows.length,
    doses: doses.length,
    uncertain: doses.filter((s) => s.kind === "uncertain").length,
    primes: all.filter((s) => s.kind === "prime").length,
    checks: all.filter((s) => s.kind === "check").length,
    dosesPerDay: rows.length ? doses.length / rows.length : 0,
    minPerDay: perDay.length ? Math.min(...perDay) : 0,
    maxPerDay: perDay.length ? Math.max(...perDay) : 0,
    daysWithoutDose: perDay.filter((n) => n === 0).length,
    slots,
    basal: {
      scheduled: sched.basalMinutes !== null,
      taken: basalTaken.length,
      missed: rows.filter((r) => r.basal === "missed").map((r) => r.day),
      meanDelta: mean(deltas),
      sdMinutes: sd(deltas),
    },
    within2h,
    warnings: all.filter((s) => s.warnedAfter !== undefined),
    cues: all.filter((s) => s.cuedAfter !== undefined && !s.gesture),
    excursions: rows.flatMap((r) => r.excursions),
    rows,
  };
}

/** The last day to show: today, or the newest record's day when the log ends before the period would. */
export function anchorDay(an: Analysis, tz: string, now: number, days: number): string {
  const today = zoned(now, tz).day;
  if (an.newestWall === undefined) return today;
  const newest = zoned(an.newestWall, tz).day;
  return newest < addDays(today, -(days - 1)) ? newest : today;
}
