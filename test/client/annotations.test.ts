// Annotations are additive (issue 13 item 4, docs/protocol.md "Annotate dose", docs/export-format.md
// "Annotations"): a dose with 0, 1 or 3 ANNOTATION records keeps the cap's own reading everywhere, and every
// annotation is listed, newest first — in rows, JSON, CSV, statistics, Nightscout, the web app and the report.
import { describe, expect, it } from "vitest";
import { RecordStore } from "../../client/store";
import type { DoseRecord } from "../../client/record";
import { describeRecord } from "../../client/record";
import { annotationsCell, fromCSV, fromExportJSON, parseAnnotationsCell, rows, toCSV, toJSON, ClientError, type ExportRow } from "../../client/export";
import { clinicianReport, doseEvents, dosesPerDay, periodEnding } from "../../client/stats";
import { toNightscout } from "../../client/nightscout";
import { analyse } from "../../web/src/model";
import { parseLog } from "../../web/src/load";
import { annotationList, clinicianView } from "../../web/src/views";
import { renderReportHtml } from "../../cli/report";

const T0 = 1764003600; // 2025-11-24T17:00:00Z
const U = 0xff; // the cap could not read the units
const dose = (seq: number, time: number, u2: number): DoseRecord => ({ seq, time, type: 1, flags: 0x10, a: 8, b: 22 | (u2 << 8), check: 0 });
const note = (seq: number, time: number, target: number, units: number): DoseRecord => ({
  seq, time, type: 9, flags: 0, a: target & 0xffff, b: ((target >> 16) & 0xff) | ((units * 2) << 8), check: 0,
});

/** One table: the dose's seq, the cap's own reading, and its annotations in the order the cap wrote them. */
const CASES: { name: string; seq: number; cap: number | undefined; written: { seq: number; units: number }[] }[] = [
  { name: "no annotation", seq: 1, cap: 6, written: [] },
  { name: "one annotation of a dose the cap could not read", seq: 2, cap: undefined, written: [{ seq: 4, units: 3 }] },
  { name: "three annotations", seq: 3, cap: 5, written: [{ seq: 5, units: 4 }, { seq: 6, units: 5.5 }, { seq: 7, units: 4.5 }] },
];

function log(): RecordStore {
  const s = new RecordStore("PC-A");
  s.add(dose(1, T0, 12));
  s.add(dose(2, T0 + 3600, U));
  s.add(dose(3, T0 + 7200, 10));
  s.add(note(4, T0 + 8000, 2, 3));
  s.add(note(5, T0 + 8100, 3, 4));
  s.add(note(6, T0 + 8200, 3, 5.5));
  s.add(note(7, T0 + 8300, 3, 4.5));
  return s;
}
const rowOf = (rs: readonly ExportRow[], seq: number) => rs.find((r) => r.seq === seq)!;
const noRaw = ({ a: _a, b: _b, powerOn: _p, ...r }: ExportRow) => r;

describe.each(CASES)("a dose with $name", ({ seq, cap, written }) => {
  const newestFirst = [...written].reverse();
  const store = log();
  const raw = { ...store.records.get(seq)! };

  it("keeps the cap's reading and the record's own fields; lists every annotation newest first", () => {
    const r = rowOf(rows(store), seq);
    expect(r.capUnits).toBe(cap);
    expect(r.annotations.map((a) => [a.seq, a.units])).toEqual(newestFirst.map((a) => [a.seq, a.units]));
    expect(r.annotations.map((a) => a.deviceTime)).toEqual(newestFirst.map((a) => store.records.get(a.seq)!.time));
    expect(r.annotations.every((a) => a.wallTime === new Date(store.records.get(a.seq)!.time * 1000).toISOString())).toBe(true);
    // units: the best estimate (the newest annotation), with its source; the cap's reading is never replaced.
    expect(r.units).toBe(newestFirst[0]?.units ?? cap);
    expect(r.unitsSource).toBe(written.length ? "annotation" : cap === undefined ? undefined : "cap");
    expect([r.a, r.b, r.deviceTime, r.capOffSeconds, r.temperatureC]).toEqual([raw.a, raw.b, raw.time, 8, 22]);
    expect(r.detail).toBe(describeRecord(raw));
    expect(store.records.get(seq)).toEqual(raw);
  });

  it("JSON export: the records are untouched and the rows round-trip", () => {
    const text = toJSON(store, { now: new Date(0) });
    const doc = JSON.parse(text);
    expect(doc.version).toBe(1);
    expect(doc.records.find((x: DoseRecord) => x.seq === seq)).toEqual({ seq, time: raw.time, type: 1, flags: 0x10, a: raw.a, b: raw.b });
    const back = fromExportJSON(text);
    expect(rows(back.store)).toEqual(rows(store));
    expect(rowOf(doc.rows, seq)).toEqual(JSON.parse(JSON.stringify(rowOf(rows(store), seq))));
  });

  it("CSV export: capUnits and the annotations column round-trip", () => {
    const back = rowOf(fromCSV(toCSV(store)), seq);
    expect(noRaw(back)).toEqual(noRaw(rowOf(rows(store), seq)));
    expect(back.capUnits).toBe(cap);
    expect(back.annotations.map((a) => a.seq)).toEqual(newestFirst.map((a) => a.seq));
  });

  it("statistics sum the newest annotation and keep the cap's reading beside it", () => {
    const d = doseEvents(rows(store)).doses.find((x) => x.seq === seq)!;
    expect(d.units).toBe(newestFirst[0]?.units ?? cap);
    expect(d.capUnits).toBe(cap);
    expect(d.annotations.map((a) => a.seq)).toEqual(newestFirst.map((a) => a.seq));
  });

  it("Nightscout: the amount is the newest annotation's, the notes keep the cap's reading", () => {
    const t = toNightscout(store).treatments.find((x) => x.identifier === `PC-A-${seq}`)!;
    expect(t.insulin).toBe(newestFirst[0]?.units ?? cap);
    if (written.length) {
      expect(t.notes).toContain(cap === undefined ? "the cap itself could not read the units" : `the cap itself recorded ${cap} U`);
      if (written.length > 1) expect(t.notes).toContain(`newest of ${written.length}: ${newestFirst.map((a) => `${a.units} U`).join(", ")}`);
    } else expect(t.notes ?? "").not.toContain("annotation");
  });

  it("web app: the session keeps the cap's reading and lists the annotations newest first", () => {
    for (const data of [
      { serial: "PC-A", records: [...store.records.values()], source: "cap" },
      parseLog(toCSV(store), "log.csv"), // the CSV carries the annotations back into ANNOTATION records
    ]) {
      const s = analyse(data).sessions.find((x) => x.seq === seq)!;
      expect(s.capUnits).toBe(cap);
      expect(s.units).toBe(newestFirst[0]?.units ?? cap);
      expect(s.annotations.map((a) => [a.seq, a.units])).toEqual(newestFirst.map((a) => [a.seq, a.units]));
      const html = annotationList(s, "UTC");
      expect([...html.matchAll(/data-seq="(\d+)"/g)].map((m) => Number(m[1]))).toEqual(newestFirst.map((a) => a.seq));
    }
  });
});

describe("annotations: the views and the report", () => {
  it("the clinician list shows the cap's reading and every annotation, newest first", () => {
    const an = analyse({ serial: "PC-A", records: [...log().records.values()], source: "cap" });
    const html = clinicianView(an, { tz: "UTC", schedule: { basalMinutes: null, toleranceMinutes: 60 }, now: T0 + 86400, days: 14 });
    expect(html).toContain("<td>6 U</td>");
    expect(html).toContain("cap: unknown");
    expect(html).toContain("cap: 5 U");
    expect([...html.matchAll(/data-seq="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([4, 7, 6, 5]);
  });

  it("the CLI report shows the counted units, the cap's reading and the annotations", () => {
    const rs = rows(log());
    const rep = clinicianReport(rs, { tz: "UTC", days: 14, endUnix: T0 + 86400 });
    const html = renderReportHtml(rep, doseEvents(rs).doses, { serial: "PC-A", generatedAt: new Date(0), source: "test" });
    expect(html).toContain("<td>4.5</td><td>5</td><td>4.5 U (2025-11-24 19:18)<br>5.5 U (2025-11-24 19:16)<br>4 U (2025-11-24 19:15)</td>");
    expect(html).toContain("<td>3</td><td>unknown</td><td>3 U (2025-11-24 19:13)</td>");
    const day = dosesPerDay(doseEvents(rs).doses, periodEnding(T0 + 86400, 14, "UTC"), "UTC").find((d) => d.date === "2025-11-24")!;
    expect(day.units).toBe(6 + 3 + 4.5);
  });

  it("the annotations cell round-trips and refuses anything else; an older CSV still loads", () => {
    const list = rowOf(rows(log()), 3).annotations;
    expect(parseAnnotationsCell(annotationsCell(list))).toEqual(list);
    expect(parseAnnotationsCell("")).toEqual([]);
    expect(() => parseAnnotationsCell("four units")).toThrow(ClientError);
    const [head, ...body] = toCSV(log()).trim().split("\n");
    const old = [head.replace(",capUnits,annotations", ""), ...body.map((l) => l.replace(/,[^,]*,[^,]*$/, ""))].join("\n");
    const r3 = rowOf(fromCSV(old), 3);
    expect(r3.units).toBe(4.5);
    expect(r3.capUnits).toBeUndefined(); // not known from an older CSV, whose units were the annotation's
    expect(rowOf(fromCSV(old), 1).capUnits).toBe(6);
  });
});
