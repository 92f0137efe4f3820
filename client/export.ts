// Exports of a synced log: JSON, CSV and Nightscout treatments.
import { RecordStore } from "./store";
import { annotation, doseTempC, doseUnits, DoseRecord, insulinType, typeName } from "./record";
import { reconstruct, WallTime } from "./timeline";
import { T } from "./protocol";

export interface ExportRow {
  id: string; // serial-seq: the record's identity from the cap itself
  seq: number;
  type: string;
  deviceTime: number;
  wallTime: string | undefined; // ISO 8601 UTC
  timeSource: WallTime["source"];
  units: number | undefined; // doses: from the cap, or from the newest ANNOTATION for this dose
  unitsSource: "cap" | "annotation" | undefined;
  capOffSeconds: number | undefined;
  temperatureC: number | undefined;
  insulin: string | undefined;
  possiblePriming: boolean;
  interruptedByReboot: boolean;
  a: number;
  b: number;
}

const isDoseType = (t: number) => t === T.DOSE || t === T.CAP_CHECK || t === T.UNCERTAIN_DOSE;

/** The full seq an ANNOTATION points at: the latest seq below it whose low 24 bits match. */
export function annotatedSeq(ann: DoseRecord): number {
  const low = annotation(ann).seqLow24;
  let s = (ann.seq - (ann.seq % 0x1000000)) + low;
  if (s >= ann.seq) s -= 0x1000000;
  return s;
}

export function rows(store: RecordStore): ExportRow[] {
  const sorted = store.sorted();
  const times = reconstruct(sorted);
  const annotated = new Map<number, number>();
  for (const r of sorted) if (r.type === T.ANNOTATION) annotated.set(annotatedSeq(r), annotation(r).units);
  return sorted.map((r) => {
    const w = times.get(r.seq)!;
    const dose = isDoseType(r.type);
    const capUnits = dose ? doseUnits(r) : undefined;
    const annUnits = dose ? annotated.get(r.seq) : undefined;
    const units = annUnits ?? capUnits;
    return {
      id: `${store.serial}-${r.seq}`,
      seq: r.seq,
      type: typeName(r.type),
      deviceTime: r.time,
      wallTime: w.wall === undefined ? undefined : new Date(w.wall * 1000).toISOString(),
      timeSource: w.source,
      units,
      unitsSource: annUnits !== undefined ? "annotation" : capUnits !== undefined ? "cap" : undefined,
      capOffSeconds: dose ? r.a : undefined,
      temperatureC: dose ? doseTempC(r) : undefined,
      insulin: dose ? insulinType(r) : undefined,
      possiblePriming: !!(r.flags & 2),
      interruptedByReboot: !!(r.flags & 4),
      a: r.a,
      b: r.b,
    };
  });
}

export function toJSON(store: RecordStore): string {
  return JSON.stringify({ serial: store.serial, records: rows(store), gaps: store.gaps() }, null, 2);
}

const CSV_COLUMNS: (keyof ExportRow)[] = [
  "id", "seq", "type", "deviceTime", "wallTime", "timeSource", "units", "unitsSource", "capOffSeconds", "temperatureC", "insulin",
  "possiblePriming", "interruptedByReboot", "a", "b",
];
export function toCSV(store: RecordStore): string {
  const cell = (v: unknown) => (v === undefined ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of rows(store)) lines.push(CSV_COLUMNS.map((c) => cell(r[c])).join(","));
  return lines.join("\n") + "\n";
}

export interface NightscoutTreatment {
  identifier: string;
  eventType: "Correction Bolus";
  created_at: string;
  date: number;
  insulin?: number;
  notes?: string;
  enteredBy: string;
  device: string;
}

/**
 * Nightscout treatments for doses. eventType "Correction Bolus": Nightscout's careportal defines it as an
 * insulin event without carbs (lib/plugins/careportal.js), which is what a cap knows — it never knows about a
 * meal. `identifier` (API v3's document identity) is serial-seq, so re-syncs, other phones, time-zone or DST
 * changes upsert the same document. A dose of unknown units carries a note and no `insulin` field at all.
 * CAP_CHECK records are not doses and records without a known wall time are left out (returned in `skipped`).
 */
export function toNightscout(store: RecordStore, enteredBy = "pencap"): { treatments: NightscoutTreatment[]; skipped: ExportRow[] } {
  const treatments: NightscoutTreatment[] = [];
  const skipped: ExportRow[] = [];
  for (const r of rows(store)) {
    if (r.type !== "DOSE" && r.type !== "UNCERTAIN_DOSE") continue;
    if (r.wallTime === undefined) {
      skipped.push(r);
      continue;
    }
    const notes: string[] = [];
    if (r.units === undefined) notes.push("Insulin dose detected by the pen cap; units unknown.");
    if (r.type === "UNCERTAIN_DOSE") notes.push("Uncertain: the cap could not tell a dose from handling.");
    if (r.possiblePriming) notes.push("Possibly a priming shot.");
    if (r.timeSource === "reconstructed") notes.push("Time reconstructed from a later clock setting.");
    const t: NightscoutTreatment = {
      identifier: r.id,
      eventType: "Correction Bolus",
      created_at: r.wallTime,
      date: Date.parse(r.wallTime),
      enteredBy,
      device: `pencap://${store.serial}`,
    };
    if (r.units !== undefined) t.insulin = r.units;
    if (notes.length) t.notes = notes.join(" ");
    treatments.push(t);
  }
  return { treatments, skipped };
}
