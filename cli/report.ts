// The clinician report as one self-contained, printable HTML page (client/stats.ts clinicianReport), and its
// PDF through a headless Chromium: playwright-core when installed, else the chromium binary's own
// --print-to-pdf. The web app has its own report page; this one is the CLI's, made from the same statistics.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ClinicianReport } from "../client/stats";
import { localParts } from "../client/tz";

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

export function formatLocal(unix: number, tz: string): string {
  const l = localParts(unix, tz);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${l.year}-${p(l.month)}-${p(l.day)} ${p(l.hour)}:${p(l.minute)}`;
}

export interface ReportMeta {
  serial: string;
  generatedAt: Date;
  source: string;
}

/** The report page. Every mark carries a word as well as a colour (readable in black and white, at 200 %). */
export function renderReportHtml(rep: ClinicianReport, doses: { id: string; wall: number; units?: number; capUnits?: number; annotations?: { seq: number; wallTime?: string; units: number }[]; uncertain: boolean; afterPrime: boolean; insulin: string }[], meta: ReportMeta): string {
  const tz = rep.tz;
  const rows = (cells: string[][]) => cells.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  const inPeriod = doses.filter((d) => {
    const day = formatLocal(d.wall, tz).slice(0, 10);
    return day >= rep.period.from && day <= rep.period.to;
  });
  const schedule = rep.schedule
    .map(
      (s) => `<h2>Scheduled dose ${esc(s.slot.time)} ± ${s.slot.toleranceMinutes} min${s.slot.insulin && s.slot.insulin !== "any" ? ` (${esc(s.slot.insulin)})` : ""}</h2>
<p>Missed: <strong>${s.missed}</strong> day(s); not covered by the log: ${s.notCovered}; regularity: ${s.regularity.count} dose(s), mean ${s.regularity.meanOffsetMinutes ?? "–"} min from the scheduled time, SD ${s.regularity.sdMinutes ?? "–"} min.</p>
<table><thead><tr><th>date</th><th>status</th><th>offset (min)</th></tr></thead><tbody>
${rows(s.days.map((d) => [d.date, d.status === "missed" ? "<strong>MISSED</strong>" : esc(d.status), d.offsetMinutes === undefined ? "" : String(d.offsetMinutes)]))}
</tbody></table>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pen cap report ${esc(meta.serial)} ${rep.period.from} – ${rep.period.to}</title>
<style>
body { font: 11pt/1.4 system-ui, sans-serif; margin: 1.5em; color: #111; }
table { border-collapse: collapse; margin: 0.5em 0 1em; } td, th { border: 1px solid #999; padding: 2px 6px; text-align: left; }
.warn { font-weight: bold; } h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.2em; }
@media print { h2 { break-after: avoid; } tr { break-inside: avoid; } }
</style></head><body>
<h1>Insulin pen cap report</h1>
<p>Cap <strong>${esc(meta.serial)}</strong> · ${rep.period.from} to ${rep.period.to} (${rep.perDay.length} days) · times in ${esc(tz)} · generated ${esc(meta.generatedAt.toISOString())} from ${esc(meta.source)}</p>
<h2>Summary</h2>
<table><tbody>
<tr><th>doses</th><td><strong>${rep.totalDoses}</strong> (${rep.uncertainDoses} uncertain)</td></tr>
<tr><th>doses per day</th><td>${rep.meanDosesPerDay}</td></tr>
<tr><th>priming shots (not counted)</th><td>${rep.primes}</td></tr>
<tr><th>double-dose warnings the cap gave (alarm)</th><td class="warn">${rep.capWarnings.length}</td></tr>
<tr><th>quiet double-dose cues at a look</th><td>${rep.capCues.length}</td></tr>
<tr><th>doses within 2 h of each other</th><td class="warn">${rep.closePairs.length}</td></tr>
<tr><th>temperature excursions</th><td>${rep.excursions.length}</td></tr>
<tr><th>doses without a known time</th><td>${rep.undatable.length}</td></tr>
</tbody></table>
<h2>Double-dose warnings the cap gave (${rep.capWarnings.length})</h2>
<p>The cap's alarm (red light and buzzer): taken off within the double-dose window of the last dose, more than 10 min after it, and kept off 4 s (an injection attempt). Quicker looks got only a quiet red cue (${rep.capCues.length}, not listed).</p>
${rep.capWarnings.length ? `<table><thead><tr><th>cap taken off</th><th>last dose</th></tr></thead><tbody>${rows(rep.capWarnings.map((w) => [`<span class="warn">WARNING</span> ${formatLocal(w.at, tz)}`, `${w.minutesSinceLastDose} min before`]))}</tbody></table>` : "<p>None.</p>"}
<h2>Doses within 2 h of each other (possible double doses)</h2>
${rep.closePairs.length ? `<table><thead><tr><th>first</th><th>second</th><th>apart</th></tr></thead><tbody>${rows(rep.closePairs.map((p) => [formatLocal(p.first.wall, tz), formatLocal(p.second.wall, tz), `<span class="warn">WARNING</span> ${p.minutesApart} min`]))}</tbody></table>` : "<p>None.</p>"}
${schedule}
<h2>Doses per day</h2>
<table><thead><tr><th>date</th><th>doses</th><th>uncertain</th><th>units (known)</th></tr></thead><tbody>
${rows(rep.perDay.map((d) => [d.date, String(d.doses), String(d.uncertain), d.unitsUnknown ? `${d.units} (+${d.unitsUnknown} unknown)` : String(d.units)]))}
</tbody></table>
<h2>Time of day</h2>
<table><thead><tr>${rep.hours.map((_, h) => `<th>${String(h).padStart(2, "0")}</th>`).join("")}</tr></thead><tbody><tr>${rep.hours.map((n) => `<td>${n}</td>`).join("")}</tr></tbody></table>
<h2>Temperature excursions</h2>
${rep.excursions.length ? `<table><thead><tr><th>start</th><th>kind</th><th>minutes</th><th>extreme</th></tr></thead><tbody>${rows(rep.excursions.map((e) => [e.start === undefined ? "time unknown" : formatLocal(e.start, tz), e.kind === "hot" ? "too hot" : e.kind === "cold" ? "too cold" : "out of range", String(e.minutes), e.extremeC === undefined ? "" : `${e.extremeC} °C`]))}</tbody></table>` : "<p>None.</p>"}
<h2>All doses (${inPeriod.length})</h2>
<p>Units: what the totals count — a dose's newest annotation (entered by the patient) when it has one, else the cap's reading. The cap's own reading and every annotation (newest first) are shown beside it.</p>
<table><thead><tr><th>#</th><th>time</th><th>units</th><th>cap reading</th><th>annotations (newest first)</th><th>insulin</th><th>notes</th></tr></thead><tbody>
${rows(inPeriod.map((d, i) => [
  String(i + 1),
  formatLocal(d.wall, tz),
  d.units === undefined ? "unknown" : String(d.units),
  d.capUnits === undefined ? "unknown" : `${d.capUnits}`,
  (d.annotations ?? []).map((a) => `${a.units} U (${a.wallTime === undefined ? "time unknown" : formatLocal(Date.parse(a.wallTime) / 1000, tz)})`).join("<br>"),
  esc(d.insulin),
  [d.uncertain ? "UNCERTAIN" : "", d.afterPrime ? "after a prime" : ""].filter(Boolean).join(", "),
]))}
</tbody></table>
${rep.undatable.length ? `<h2>Doses without a known time</h2><table><tbody>${rows(rep.undatable.map((r) => [esc(r.id), `between ${r.notBefore ?? "?"} and ${r.notAfter ?? "?"}`]))}</tbody></table>` : ""}
</body></html>
`;
}

export class PdfUnavailable extends Error {}

/**
 * Prints HTML to PDF with a headless Chromium (`chromiumPath`, else Debian's /usr/bin/chromium): through
 * playwright-core if installed, else the binary's own --print-to-pdf. Throws PdfUnavailable without a Chromium.
 */
export async function htmlToPdf(html: string, pdfPath: string, chromiumPath?: string): Promise<string> {
  const candidates = chromiumPath ? [chromiumPath] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const chromium = candidates.find((p) => existsSync(p));
  if (!chromium) throw new PdfUnavailable(`no Chromium found (${candidates.join(", ")}; set CHROMIUM_PATH, or apt-get install chromium)`);
  const dir = await mkdtemp(join(tmpdir(), "pencap-report-"));
  try {
    const htmlPath = join(dir, "report.html");
    await writeFile(htmlPath, html);
    let pw: any;
    try {
      pw = await import(/* @vite-ignore */ "playwright-core" as string);
    } catch {
      pw = undefined;
    }
    if (pw?.chromium) {
      const browser = await pw.chromium.launch({ executablePath: chromium, args: ["--no-sandbox"] });
      try {
        const page = await browser.newPage();
        await page.goto(pathToFileURL(htmlPath).href);
        await page.pdf({ path: pdfPath, format: "A4", printBackground: true, margin: { top: "12mm", bottom: "12mm", left: "10mm", right: "10mm" } });
      } finally {
        await browser.close();
      }
      return "playwright-core";
    }
    await new Promise<void>((resolve, reject) => {
      const p = spawn(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", `--user-data-dir=${join(dir, "profile")}`, `--print-to-pdf=${pdfPath}`, pathToFileURL(htmlPath).href], { stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      p.stderr.on("data", (d) => (err += d));
      p.on("error", reject);
      p.on("close", (code) => (code === 0 && existsSync(pdfPath) ? resolve() : reject(new Error(`chromium exited with ${code}: ${err.slice(-400)}`))));
    });
    return "chromium --print-to-pdf";
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
