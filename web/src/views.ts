// The patient view and the clinician report, rendered as HTML strings from an Analysis. Times are in the
// patient's zone (settings), never the browser's.
import { barsSvg, esc, KIND_LABEL, legendHtml, markSvg, timelineSvg } from "./charts";
import type { Analysis, Session } from "./model";
import { anchorDay, dayRows, report, type Schedule } from "./stats";
import { addDays, clock, dayLabel, duration, zoned } from "./tz";

export interface ViewOptions {
  tz: string;
  schedule: Schedule;
  now: number; // Unix seconds
}

const when = (s: { wall: number | undefined; timeSource?: string; uncertaintySeconds?: number }, tz: string) =>
  s.wall === undefined
    ? "undatable"
    : `${dayLabel(zoned(s.wall, tz).day)} ${clock(s.wall, tz)}${s.timeSource === "reconstructed" ? " (≈)" : s.timeSource === "bounded" ? ` (±${within(s.uncertaintySeconds ?? 0)})` : ""}`;
/** A bounded time's half-width: "40 s", "1 min". */
const within = (s: number) => (s < 60 ? `${s} s` : `${Math.ceil(s / 60)} min`);
const mins = (m: number | null | undefined) => (m === undefined || m === null ? "–" : `${String(Math.floor(m / 60) % 24).padStart(2, "0")}:${String(Math.round(m % 60)).padStart(2, "0")}`);
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;

function sessionLine(s: Session, tz: string): string {
  const notes: string[] = [];
  if (s.kind === "uncertain") notes.push(s.leftOff ? "cap left off — check whether you injected" : "cut by a cap restart");
  if (s.warnedAfter !== undefined) notes.push(`cap sounded its double-dose alarm: ${duration(s.warnedAfter)} after the previous dose`);
  else if (s.cuedAfter !== undefined && !s.gesture) notes.push(`cap showed the quiet double-dose cue: ${duration(s.cuedAfter)} after the previous dose`);
  // The cap's own reading always shows; annotations are listed beside it, newest first, never instead of it.
  if (s.annotations.length === 0) {
    if (s.units !== undefined) notes.push(`${s.units} U`);
  } else notes.push(`cap recorded ${s.capUnits === undefined ? "units unknown" : `${s.capUnits} U`}`);
  return `<li class="k-${s.kind}"><svg viewBox="-10 -10 20 20" width="18" height="18" aria-hidden="true">${markSvg(s.kind, 0, 0)}</svg><strong>${s.wall === undefined ? "time unknown" : clock(s.wall, tz)}</strong> ${esc(KIND_LABEL[s.kind])}${notes.length ? ` — ${esc(notes.join("; "))}` : ""}${annotationList(s, tz)}</li>`;
}

/** The clinician list's units cell: the cap's own reading, then every annotation, newest first. */
function unitsCell(s: Session, tz: string): string {
  const reading = s.capUnits === undefined ? "unknown" : `${s.capUnits} U`;
  const cap = s.annotations.length ? `cap: ${reading}` : reading;
  return `${esc(cap)}${annotationList(s, tz)}`;
}

/** A session's annotations, newest first (empty when there are none). */
export function annotationList(s: Session, tz: string): string {
  if (s.annotations.length === 0) return "";
  const items = s.annotations.map(
    (a, i) => `<li data-testid="annotation" data-seq="${a.seq}">${esc(`${a.units} U`)} — annotated ${esc(a.wall === undefined ? "at an unknown time" : when({ wall: a.wall }, tz))}${i === 0 ? " (newest)" : ""}</li>`,
  );
  return `<ul class="annotations" aria-label="annotations, newest first">${items.join("")}</ul>`;
}

export function patientView(an: Analysis, o: ViewOptions): string {
  const { tz, now, schedule } = o;
  const last = [...an.doses].filter((s) => s.wall !== undefined).sort((a, b) => b.wall! - a.wall!)[0];
  const today = zoned(now, tz).day;
  const lastDay = anchorDay(an, tz, now, 14);
  const firstDay = addDays(lastDay, -13);
  const rows = dayRows(an, tz, firstDay, lastDay, schedule, now);
  const todayRow = dayRows(an, tz, today, today, schedule, now)[0];
  const rowsDoses = rows.flatMap((r) => r.doses);
  const hours = new Array(24).fill(0);
  for (const s of rowsDoses) hours[Math.floor(zoned(s.wall!, tz).minutes / 60)]++;
  const missed = rows.filter((r) => r.basal === "missed");
  const warnings = rows.flatMap((r) => r.sessions).filter((s) => s.warnedAfter !== undefined);
  const gestures = rows.flatMap((r) => r.sessions).filter((s, i, a) => s.gesture && !a[i - 1]?.gesture);
  const exc = rows.flatMap((r) => r.excursions);
  const temps = rowsDoses.map((s) => s.tempC).filter((t): t is number => t !== undefined);
  const out: string[] = [];

  const todayList = todayRow.sessions.filter((s) => s.kind !== "check");
  const flags: string[] = [];
  for (const s of warnings) flags.push(`<li><svg viewBox="-10 -10 20 20" width="18" height="18" aria-hidden="true">${markSvg("warning", 0, 0)}</svg><strong>Double-dose warning</strong> ${esc(when(s, tz))}: the cap came off ${esc(duration(s.warnedAfter!))} after a dose and stayed off — the cap sounded its alarm (${esc(KIND_LABEL[s.kind])})</li>`);
  for (const s of gestures) flags.push(`<li><span aria-hidden="true">⌁</span><strong>Pairing gesture</strong> ${esc(when(s, tz))}: 5 quick cap clicks to pair a phone (not doses)</li>`);
  for (const r of missed) flags.push(`<li><span class="x" aria-hidden="true">✕</span><strong>Missed basal</strong> ${esc(dayLabel(r.day))}: no dose between ${mins(schedule.basalMinutes! - schedule.toleranceMinutes)} and ${mins(schedule.basalMinutes! + schedule.toleranceMinutes)}</li>`);
  const st = an.batteryPercent;
  const lost = an.gaps.filter((g) => g.kind === "missing" || g.kind === "unconfirmed");
  out.push(`<div class="cards">`);
  out.push(`<section class="card big" aria-labelledby="h-last"><h2 id="h-last">Last dose</h2>${
    last
      ? `<p class="hero" data-testid="last-dose">${clock(last.wall!, tz)}</p><p><span data-testid="since">${esc(duration(now - last.wall!))} ago</span> · ${esc(dayLabel(zoned(last.wall!, tz).day))}${last.kind === "uncertain" ? " · <strong>uncertain</strong>" : ""}</p>`
      : `<p class="hero">none yet</p>`
  }</section>`);
  out.push(`<section class="card" aria-labelledby="h-today"><h2 id="h-today">Today <span class="sub">${esc(dayLabel(today))}</span></h2><p data-testid="today-count"><strong>${plural(todayRow.doses.length, "dose")}</strong>${
    todayRow.basal === "missed" ? ` · <span class="flag">✕ basal not taken</span>` : todayRow.basal === "pending" ? ` · basal due ${mins(schedule.basalMinutes ?? 0)}` : typeof todayRow.basal === "object" ? " · basal taken ✓" : ""
  }</p><ul class="doses">${todayList.map((s) => sessionLine(s, tz)).join("") || "<li>No doses recorded today.</li>"}</ul></section>`);
  out.push(`<section class="card" aria-labelledby="h-cap"><h2 id="h-cap">Cap and sync</h2><dl class="kv"><dt>Cap</dt><dd>${esc(an.serial)}</dd><dt>Battery</dt><dd data-testid="battery">${st === undefined ? "unknown" : `${st} %`}</dd><dt>Last sync</dt><dd data-testid="synced">${
    an.syncedAt ? `${esc(when({ wall: an.syncedAt }, tz))} (${esc(duration(now - an.syncedAt))} ago)` : "–"
  }</dd><dt>Records</dt><dd>${an.records}${lost.length ? ` · <span class="flag">${lost.length} gap(s) not received</span>` : " · none missing"}</dd><dt>From</dt><dd>${esc(an.source)}</dd></dl></section>`);
  out.push(`</div>`);
  const title = `Doses from ${dayLabel(firstDay)} to ${dayLabel(lastDay)} by time of day (${tz})`;
  out.push(`<section class="card wide" aria-labelledby="h-tl"><h2 id="h-tl">14 days</h2>${legendHtml()}<div class="scroll">${timelineSvg(rows, tz, schedule, title)}</div>`);
  out.push(`<details><summary>The 14 days as a table</summary><table><thead><tr><th>Day</th><th>Doses</th><th>Times</th></tr></thead><tbody>${rows
    .map((r) => `<tr><td>${esc(dayLabel(r.day))}</td><td>${r.doses.length}</td><td>${r.sessions.map((s) => `${clock(s.wall!, tz)} ${KIND_LABEL[s.kind]}`).join(", ")}</td></tr>`)
    .join("")}</tbody></table></details></section>`);
  out.push(`<div class="cards two">`);
  out.push(`<section class="card" aria-labelledby="h-flags"><h2 id="h-flags">Flags <span class="sub">last 14 days</span></h2><ul class="flags" data-testid="flags">${flags.join("") || "<li>None.</li>"}</ul></section>`);
  out.push(`<section class="card" aria-labelledby="h-temp"><h2 id="h-temp">Insulin temperature</h2>${
    exc.length
      ? `<ul class="flags">${exc.map((e) => `<li><span class="sw sw-hot" aria-hidden="true"></span><strong>${e.hot ? "Too hot" : "Too cold"}</strong> ${esc(when(e, tz))}: up to ${e.extremeC ?? "?"} °C for ${e.minutes} min</li>`).join("")}</ul><p class="note">Insulin kept out of 2–30 °C may work less well.</p>`
      : "<p>No excursions out of 2–30 °C.</p>"
  }${temps.length ? `<p>At doses: ${Math.min(...temps)}–${Math.max(...temps)} °C</p>` : ""}</section>`);
  out.push(`</div>`);
  out.push(`<section class="card wide" aria-labelledby="h-tod"><h2 id="h-tod">Time of day <span class="sub">doses per hour, 14 days</span></h2>${barsSvg(
    hours,
    hours.map((_, i) => `${String(i).padStart(2, "0")}`),
    { title: "Doses by hour of day over 14 days", id: "tod-title", labelEvery: 2 },
  )}</section>`);
  if (an.undatable.length)
    out.push(`<section class="card wide" aria-labelledby="h-und"><h2 id="h-und">Not dated</h2><p>The cap's clock was not set when these were recorded, and no later clock setting in the same power-on dates them. They are kept and counted.</p><ul class="doses">${an.undatable.map((s) => sessionLine(s, tz)).join("")}</ul></section>`);
  return out.join("");
}

export function clinicianView(an: Analysis, o: ViewOptions & { days: number }): string {
  const { tz, now, schedule, days } = o;
  const lastDay = anchorDay(an, tz, now, days);
  const firstDay = addDays(lastDay, -(days - 1));
  const r = report(an, tz, firstDay, lastDay, schedule, now);
  const out: string[] = [];
  out.push(`<header class="rep-head"><h2>Insulin pen cap report</h2><p>Cap <strong>${esc(an.serial)}</strong> · ${esc(dayLabel(firstDay))} ${firstDay.slice(0, 4)} – ${esc(dayLabel(lastDay))} ${lastDay.slice(0, 4)} (${days} days) · times in ${esc(tz)} · printed ${esc(when({ wall: now }, tz))}</p></header>`);
  const basalTxt = !r.basal.scheduled
    ? "no basal schedule set"
    : `${r.basal.taken} of ${r.days} days taken within ${mins(schedule.basalMinutes)} ± ${schedule.toleranceMinutes} min; ${plural(r.basal.missed.length, "day")} missed`;
  out.push(`<section aria-labelledby="h-sum"><h3 id="h-sum">Summary</h3><table class="summary" data-testid="summary"><tbody>
<tr><th>Doses</th><td data-testid="dose-total">${r.doses} doses (${r.uncertain} uncertain)</td></tr>
<tr><th>Doses per day</th><td>${r.dosesPerDay.toFixed(1)} on average (${r.minPerDay}–${r.maxPerDay}); ${plural(r.daysWithoutDose, "day")} without a dose</td></tr>
<tr><th>Not counted</th><td>${plural(r.primes, "priming shot")}, ${plural(r.checks, "cap check")}</td></tr>
<tr><th>Missed basal</th><td>${esc(basalTxt)}</td></tr>
<tr><th>Double-dose warnings</th><td data-testid="warn-total">${r.warnings.length} double-dose warning${r.warnings.length === 1 ? "" : "s"} given by the cap (alarm); ${plural(r.cues.length, "quiet cue")} at a look</td></tr>
<tr><th>Doses within 2 h</th><td>${plural(r.within2h.length, "pair")}</td></tr>
<tr><th>Temperature</th><td>${plural(r.excursions.length, "excursion")} out of the in-use range</td></tr>
${an.undatable.length ? `<tr><th>Not dated</th><td>${plural(an.undatable.length, "session")} without a wall time (listed below)</td></tr>` : ""}
</tbody></table></section>`);
  out.push(`<section aria-labelledby="h-pd"><h3 id="h-pd">Doses per day</h3>${barsSvg(
    r.rows.map((x) => x.doses.length),
    r.rows.map((x) => (days <= 31 ? x.day.slice(8) : x.day.slice(5))),
    { title: `Doses per day, ${firstDay} to ${lastDay}; ✕ marks a day with the basal missed`, id: "pd-title", labelEvery: days <= 31 ? 1 : 7, marks: r.rows.map((x) => (x.basal === "missed" ? "✕" : undefined)) },
  )}</section>`);
  out.push(`<section aria-labelledby="h-reg"><h3 id="h-reg">Timing regularity</h3><table><thead><tr><th>Slot</th><th>Days with a dose</th><th>Mean time</th><th>Spread (SD)</th></tr></thead><tbody>${r.slots
    .map((s) => `<tr><td>${esc(s.name)}</td><td>${s.days} of ${r.days}</td><td>${mins(s.meanMinutes)}</td><td>${s.sdMinutes === undefined ? "–" : `${Math.round(s.sdMinutes)} min`}</td></tr>`)
    .join("")}${
    r.basal.scheduled
      ? `<tr><td>scheduled basal ${mins(schedule.basalMinutes)}</td><td>${r.basal.taken} of ${r.days}</td><td>${r.basal.meanDelta === undefined ? "–" : `${r.basal.meanDelta >= 0 ? "+" : "−"}${Math.abs(Math.round(r.basal.meanDelta))} min`}</td><td>${r.basal.sdMinutes === undefined ? "–" : `${Math.round(r.basal.sdMinutes)} min`}</td></tr>`
      : ""
  }</tbody></table>${r.basal.missed.length ? `<p>Missed basal: ${r.basal.missed.map((d) => esc(dayLabel(d))).join(", ")}</p>` : ""}</section>`);
  const listOrNone = (items: string[], none: string) => (items.length ? `<ul>${items.join("")}</ul>` : `<p>${none}</p>`);
  out.push(`<section aria-labelledby="h-warn"><h3 id="h-warn">Double-dose warnings the cap gave</h3><p class="note">The cap's alarm (red light and buzzer): the cap came off at most 2 h (basal insulin: 8 h) after the last dose ended, more than 10 min after it (sooner, that dose may have been a priming shot), and stayed off 4 s — an injection attempt. A quicker look gets only a quiet red cue (${plural(r.cues.length, "cue")} in this period, not listed).</p>${listOrNone(
    r.warnings.map((s) => `<li data-testid="warning">${esc(when(s, tz))}: ${esc(duration(s.warnedAfter!))} after the previous dose; the session was a ${esc(KIND_LABEL[s.kind])}</li>`),
    "None.",
  )}</section>`);
  out.push(`<section aria-labelledby="h-2h"><h3 id="h-2h">Doses within 2 h of each other</h3>${listOrNone(
    r.within2h.map(([a, b]) => `<li>${esc(when(a, tz))} and ${esc(clock(b.wall!, tz))} (${esc(duration(b.wall! - a.wall!))} apart)</li>`),
    "None.",
  )}</section>`);
  out.push(`<section aria-labelledby="h-exc"><h3 id="h-exc">Temperature excursions</h3>${listOrNone(
    r.excursions.map((e) => `<li>${esc(when(e, tz))}: ${e.hot ? "too hot" : "too cold"}, up to ${e.extremeC ?? "?"} °C for ${e.minutes} min</li>`),
    "None.",
  )}</section>`);
  const inPeriod = r.rows.flatMap((x) => x.sessions).filter((s) => s.kind !== "check");
  let n = 0;
  out.push(`<section aria-labelledby="h-list" class="list"><h3 id="h-list">Every dose</h3><p class="note">Numbered doses are counted; priming shots are shown and not counted; cap checks are left out of this list. ≈: time reconstructed from a later clock setting.</p><table class="doselist" data-testid="doselist"><thead><tr><th>#</th><th>Date and time</th><th>Kind</th><th>Cap off</th><th>Temp.</th><th>Units</th><th>Note</th></tr></thead><tbody>${inPeriod
    .map((s) => {
      const counted = s.kind === "dose" || s.kind === "uncertain";
      const note = [s.warnedAfter !== undefined ? "double-dose warning (alarm)" : "", s.kind === "uncertain" ? (s.leftOff ? "cap left off" : "cut by restart") : ""].filter(Boolean).join("; ");
      return `<tr class="k-${s.kind}"><td>${counted ? ++n : ""}</td><td>${esc(when(s, tz))}</td><td>${esc(KIND_LABEL[s.kind])}</td><td>${esc(duration(s.offSeconds))}</td><td>${s.tempC ?? "–"}${s.tempC === undefined ? "" : " °C"}</td><td>${unitsCell(s, tz)}</td><td>${esc(note)}</td></tr>`;
    })
    .join("")}${an.undatable
    .filter((s) => s.kind !== "check")
    .map((s) => `<tr class="k-${s.kind}"><td>${s.kind === "dose" || s.kind === "uncertain" ? ++n : ""}</td><td>undatable (device time ${s.deviceTime} s after power-on)</td><td>${esc(KIND_LABEL[s.kind])}</td><td>${esc(duration(s.offSeconds))}</td><td>${s.tempC ?? "–"}</td><td>${unitsCell(s, tz)}</td><td>not dated</td></tr>`)
    .join("")}</tbody></table></section>`);
  return out.join("");
}
