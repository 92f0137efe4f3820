// Wall-clock parts of a Unix time in the patient's IANA time zone (Intl, no library): days and hours are
// always counted in that zone, whatever zone the browser runs in.
const cache = new Map<string, Intl.DateTimeFormat>();

function fmt(tz: string): Intl.DateTimeFormat {
  let f = cache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    cache.set(tz, f);
  }
  return f;
}

export interface ZonedParts {
  day: string; // YYYY-MM-DD in the zone
  minutes: number; // minutes since local midnight (0..1439.99)
  hh: string;
  mm: string;
}

export function zoned(unixSeconds: number, tz: string): ZonedParts {
  const p: Record<string, string> = {};
  for (const x of fmt(tz).formatToParts(new Date(unixSeconds * 1000))) p[x.type] = x.value;
  const h = Number(p.hour) % 24;
  return { day: `${p.year}-${p.month}-${p.day}`, minutes: h * 60 + Number(p.minute) + Number(p.second) / 60, hh: String(h).padStart(2, "0"), mm: p.minute };
}

export function isValidZone(tz: string): boolean {
  try {
    fmt(tz);
    return true;
  } catch {
    return false;
  }
}

/** "22:08" in the zone. */
export function clock(unixSeconds: number, tz: string): string {
  const z = zoned(unixSeconds, tz);
  return `${z.hh}:${z.mm}`;
}

/** Calendar-day arithmetic on "YYYY-MM-DD" keys (zone-free: a day key names a date, not an instant). */
export function addDays(day: string, n: number): string {
  const d = new Date(day + "T12:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** "Mon 2 Mar" for a day key. */
export function dayLabel(day: string): string {
  const d = new Date(day + "T12:00:00Z");
  return d.toLocaleDateString("en-GB", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" });
}

/** "2 h 14 min", "3 days 4 h", "45 s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days ${h % 24} h`;
}
