// Time-zone arithmetic with the platform's Intl (IANA zone names, e.g. "Europe/Berlin"), the same in Node and
// browsers, no tables of our own. Unix times are seconds.

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    // Throws a RangeError for an unknown zone: callers get it at once, not a silently wrong day.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    formatters.set(tz, f);
  }
  return f;
}

export interface LocalParts {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock reading in `tz` at Unix time `unix`. */
export function localParts(unix: number, tz: string): LocalParts {
  const p: Record<string, number> = {};
  for (const x of formatter(tz).formatToParts(new Date(Math.floor(unix) * 1000))) if (x.type !== "literal") p[x.type] = Number(x.value);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour % 24, minute: p.minute, second: p.second };
}

/** Minutes east of UTC in `tz` at Unix time `unix` (e.g. 60 for Europe/Berlin in winter). */
export function utcOffsetMinutes(unix: number, tz: string): number {
  const l = localParts(unix, tz);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) / 1000;
  return Math.round((asUtc - Math.floor(unix)) / 60);
}

/** "YYYY-MM-DD" of Unix time `unix` in `tz`. */
export function localDate(unix: number, tz: string): string {
  const l = localParts(unix, tz);
  return `${l.year}-${String(l.month).padStart(2, "0")}-${String(l.day).padStart(2, "0")}`;
}

/** Seconds since local midnight in `tz`. */
export function secondsOfDay(unix: number, tz: string): number {
  const l = localParts(unix, tz);
  return l.hour * 3600 + l.minute * 60 + l.second;
}

/**
 * Unix time of a local wall-clock reading in `tz`. In a DST gap the reading does not exist and the instant one
 * offset later is returned; in a DST overlap the earlier of the two instants.
 */
export function zonedToUnix(year: number, month: number, day: number, seconds: number, tz: string): number {
  const naive = Date.UTC(year, month - 1, day) / 1000 + seconds;
  // A zone's offset changes at most once within a day around a given reading: try the offsets 12 h either side.
  const before = utcOffsetMinutes(naive - 43200, tz);
  const after = utcOffsetMinutes(naive + 43200, tz);
  const matches = [naive - before * 60, naive - after * 60].filter((c) => c + utcOffsetMinutes(c, tz) * 60 === naive);
  if (matches.length) return Math.min(...matches);
  return naive - before * 60; // in a gap: the offset before the change, i.e. the reading one shift later
}

/** The local dates from `from` to `to` inclusive ("YYYY-MM-DD"), calendar arithmetic only. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const [y, m, d] = from.split("-").map(Number);
  for (let t = Date.UTC(y, m - 1, d); ; t += 86400000) {
    const s = new Date(t).toISOString().slice(0, 10);
    if (s > to) break;
    out.push(s);
  }
  return out;
}
