// Small SVG charts of our own (no chart library: three fixed chart shapes are less code than a dependency).
// Every mark has a distinct shape and a text title, so colour never carries meaning alone; each chart also has a
// text equivalent next to it for screen readers and print.
import type { Session } from "./model";
import type { DayRow, Schedule } from "./stats";
import { clock, dayLabel, duration, zoned } from "./tz";

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export const KIND_LABEL: Record<Session["kind"], string> = {
  dose: "dose",
  uncertain: "uncertain dose",
  prime: "priming shot (not counted)",
  check: "cap check",
};

/** One mark, centred on (x, y). The same shapes are used in the legend. */
export function markSvg(kind: Session["kind"] | "warning", x: number, y: number, title?: string): string {
  const t = title ? `<title>${esc(title)}</title>` : "";
  switch (kind) {
    case "dose":
      return `<circle class="m-dose" cx="${x}" cy="${y}" r="6.5">${t}</circle>`;
    case "uncertain":
      return `<path class="m-uncertain" d="M${x} ${y - 8}L${x + 8} ${y}L${x} ${y + 8}L${x - 8} ${y}Z">${t}</path>`;
    case "prime":
      return `<circle class="m-prime" cx="${x}" cy="${y}" r="4">${t}</circle>`;
    case "check":
      return `<rect class="m-check" x="${x - 1.5}" y="${y - 6}" width="3" height="12">${t}</rect>`;
    case "warning":
      return `<g class="m-warning"><path d="M${x} ${y - 7}L${x + 7} ${y + 5}L${x - 7} ${y + 5}Z">${t}</path><text x="${x}" y="${y + 3.5}" text-anchor="middle">!</text></g>`;
  }
}

export function legendHtml(): string {
  const item = (k: Session["kind"] | "warning", label: string) => `<li><svg viewBox="-10 -10 20 20" width="20" height="20" aria-hidden="true">${markSvg(k, 0, 0)}</svg>${esc(label)}</li>`;
  return `<ul class="legend">${item("dose", "dose")}${item("uncertain", "uncertain dose")}${item("prime", "priming shot (not counted)")}${item("check", "cap check")}${item("warning", "double-dose warning by the cap")}<li><span class="sw sw-basal" aria-hidden="true"></span>basal window</li><li><span class="sw sw-hot" aria-hidden="true"></span>temperature excursion</li></ul>`;
}

const W = 900;
const LEFT = 96;
const RIGHT = 120;
const PLOT = W - LEFT - RIGHT;
const xOf = (minutes: number) => LEFT + (minutes / 1440) * PLOT;

/** The day-by-time-of-day timeline: one row per day, marks at the cap-off time. */
export function timelineSvg(rows: DayRow[], tz: string, sched: Schedule, title: string): string {
  const rowH = 30;
  const top = 26;
  const h = top + rows.length * rowH + 8;
  const parts: string[] = [];
  parts.push(`<svg class="chart timeline" viewBox="0 0 ${W} ${h}" role="img" aria-labelledby="tl-title"><title id="tl-title">${esc(title)}</title>`);
  for (let hr = 0; hr <= 24; hr += 3) {
    const x = xOf(hr * 60);
    parts.push(`<line class="grid" x1="${x}" y1="${top - 4}" x2="${x}" y2="${h - 8}"/><text class="axis" x="${x}" y="${top - 10}" text-anchor="middle">${String(hr).padStart(2, "0")}:00</text>`);
  }
  rows.forEach((row, i) => {
    const y0 = top + i * rowH;
    const cy = y0 + rowH / 2;
    if (i % 2 === 0) parts.push(`<rect class="band" x="${LEFT}" y="${y0}" width="${PLOT}" height="${rowH}"/>`);
    if (sched.basalMinutes !== null) {
      for (const [a, b] of windowSpans(sched)) parts.push(`<rect class="basal-win" x="${xOf(a)}" y="${y0 + 3}" width="${xOf(b) - xOf(a)}" height="${rowH - 6}"/>`);
    }
    parts.push(`<text class="day" x="${LEFT - 8}" y="${cy + 4}" text-anchor="end">${esc(dayLabel(row.day))}</text>`);
    for (const e of row.excursions) {
      const m = zoned(e.wall!, tz).minutes;
      const x1 = xOf(m);
      const x2 = xOf(Math.min(1440, m + e.minutes));
      parts.push(`<rect class="hot" x="${x1}" y="${y0 + 2}" width="${Math.max(3, x2 - x1)}" height="${rowH - 4}"><title>${esc(`${e.hot ? "too hot" : "too cold"}: up to ${e.extremeC ?? "?"} °C for ${e.minutes} min from ${clock(e.wall!, tz)}`)}</title></rect>`);
    }
    const low = (s: Session) => s.kind === "prime" || s.kind === "check";
    for (const s of [...row.sessions.filter((s) => !low(s)), ...row.sessions.filter(low)]) {
      const x = xOf(zoned(s.wall!, tz).minutes);
      // Primes and cap checks sit low in the row, so one just before a dose is not hidden under its mark.
      const y = low(s) ? cy + 9 : cy;
      parts.push(markSvg(s.kind, x, y, `${clock(s.wall!, tz)} ${KIND_LABEL[s.kind]}, cap off ${duration(s.offSeconds)}`));
      if (s.warnedAfter !== undefined) parts.push(markSvg("warning", x, y0 + 6, `double-dose warning (the cap's alarm): ${duration(s.warnedAfter)} after the previous dose`));
    }
    const n = row.doses.length;
    const basal = row.basal === "missed" ? " · no basal" : "";
    parts.push(`<text class="count${row.basal === "missed" ? " missed" : ""}" x="${W - RIGHT + 10}" y="${cy + 4}">${n} dose${n === 1 ? "" : "s"}${basal}</text>`);
  });
  parts.push(`</svg>`);
  return parts.join("");
}

/** The basal window as spans within one day (minutes), split at midnight. */
function windowSpans(sched: Schedule): [number, number][] {
  const a = sched.basalMinutes! - sched.toleranceMinutes;
  const b = sched.basalMinutes! + sched.toleranceMinutes;
  if (a < 0) return [[0, b], [1440 + a, 1440]];
  if (b > 1440) return [[a, 1440], [0, b - 1440]];
  return [[a, b]];
}

/** Bars with a value above each: counts per hour of day, or per day. */
export function barsSvg(values: number[], labels: string[], opts: { title: string; id: string; labelEvery?: number; marks?: (string | undefined)[] }): string {
  const w = W;
  const h = 190;
  const left = 40;
  const bottom = 36;
  const plotH = h - bottom - 24;
  const max = Math.max(1, ...values);
  const bw = (w - left - 10) / values.length;
  const parts = [`<svg class="chart bars" viewBox="0 0 ${w} ${h}" role="img" aria-labelledby="${opts.id}"><title id="${opts.id}">${esc(opts.title)}</title>`];
  const step = max <= 5 ? 1 : Math.ceil(max / 4);
  for (let v = 0; v <= max; v += step) {
    const y = 24 + plotH - (v / max) * plotH;
    parts.push(`<line class="grid" x1="${left}" y1="${y}" x2="${w - 10}" y2="${y}"/><text class="axis" x="${left - 6}" y="${y + 4}" text-anchor="end">${v}</text>`);
  }
  values.forEach((v, i) => {
    const x = left + i * bw;
    const bh = (v / max) * plotH;
    const y = 24 + plotH - bh;
    parts.push(`<rect class="bar" x="${x + bw * 0.15}" y="${y}" width="${bw * 0.7}" height="${bh}"><title>${esc(`${labels[i]}: ${v}`)}</title></rect>`);
    if (v > 0) parts.push(`<text class="val" x="${x + bw / 2}" y="${y - 4}" text-anchor="middle">${v}</text>`);
    if (i % (opts.labelEvery ?? 1) === 0) parts.push(`<text class="axis" x="${x + bw / 2}" y="${h - bottom + 16}" text-anchor="middle">${esc(labels[i])}</text>`);
    const mk = opts.marks?.[i];
    if (mk) parts.push(`<text class="mark-x" x="${x + bw / 2}" y="${h - 4}" text-anchor="middle">${esc(mk)}</text>`);
  });
  parts.push(`</svg>`);
  return parts.join("");
}
