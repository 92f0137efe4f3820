// Exports of a synced log: JSON (docs/export-format.md, loadable back into a RecordStore), CSV, and the rows
// both are made of. Nightscout treatments: client/nightscout.ts.
import { RecordStore } from "./store";
import { annotation, describeRecord, doseTempC, doseUnits, DoseRecord, excursion, insulinType, typeName } from "./record";
import { reconstruct, ReconstructOptions, TimeSource } from "./timeline";
import { T } from "./protocol";
import type { Status } from "./client";

/**
 * What a record means for the person reading the log. dose: an injection (an UNCERTAIN_DOSE too, with
 * `uncertain` set). prime: a DOSE the next session's priming flag points at — probably an air shot, not counted
 * as a dose. cap-check: the cap came off briefly (a look at the pen). event: anything else.
 */
export type Role = "dose" | "prime" | "cap-check" | "event";

export interface ExportRow {
  id: string; // serial-seq: the record's identity from the cap itself
  seq: number;
  type: string;
  role: Role;
  deviceTime: number;
  wallTime: string | undefined; // ISO 8601 UTC; undefined when undatable (bounded: the middle of notBefore..notAfter)
  timeSource: TimeSource;
  /** Undatable and bounded rows: ISO bounds from the records and power-ons around it (docs/client.md "Bounds"). */
  notBefore: string | undefined;
  notAfter: string | undefined;
  powerOn: number;
  /**
   * Session records: the best estimate of the units — the newest ANNOTATION of this record when there is one
   * (the patient's latest word), else the cap's own reading. The cap's reading is always in `capUnits` and every
   * annotation in `annotations`: nothing here replaces the cap's record.
   */
  units: number | undefined;
  unitsSource: "cap" | "annotation" | undefined;
  /** Session records: the units the cap itself recorded (undefined: the cap could not read them). Never changed by an annotation. */
  capUnits: number | undefined;
  /** Session records: every ANNOTATION of this record, newest (highest seq) first; [] for none and for other records. */
  annotations: RowAnnotation[];
  capOffSeconds: number | undefined;
  /** Doses: temperature at the dose; TEMP_EXCURSION: the extreme; CAP_LEFT_OFF: at the alert. */
  temperatureC: number | undefined;
  insulin: "unset" | "rapid" | "basal" | "other" | undefined;
  uncertain: boolean; // UNCERTAIN_DOSE
  /** This DOSE may have been a priming shot: the next session record carries the priming flag (role "prime"). */
  possiblePrime: boolean;
  /** This record carries the priming flag: the DOSE just before it may have been a priming shot. */
  afterPrime: boolean;
  interruptedByReboot: boolean;
  /** TEMP_EXCURSION: how long, and which side of the range. */
  durationMinutes: number | undefined;
  excursion: "hot" | "cold" | "unknown" | undefined;
  /** The record decoded for a person (never raw a/b). */
  detail: string;
  a: number;
  b: number;
}

/** One ANNOTATION record of a dose, as a row carries it (docs/export-format.md "Annotations"). */
export interface RowAnnotation {
  /** The ANNOTATION record's own seq (its place in the cap's log: a higher seq is a later annotation). */
  seq: number;
  /** The cap's clock when it wrote the annotation (not the dose's time); raw, like a row's deviceTime. */
  deviceTime: number;
  /** ISO 8601 UTC of the annotation, undefined when undatable. */
  wallTime: string | undefined;
  /** The units the user entered. */
  units: number;
}

const isSession = (t: number) => t === T.DOSE || t === T.CAP_CHECK || t === T.UNCERTAIN_DOSE;
const F_PRIMING = 0x02;
const F_REBOOT = 0x04;

/** The full seq an ANNOTATION points at: the latest seq below it whose low 24 bits match. */
export function annotatedSeq(ann: DoseRecord): number {
  const low = annotation(ann).seqLow24;
  let s = ann.seq - (ann.seq % 0x1000000) + low;
  if (s >= ann.seq) s -= 0x1000000;
  return s;
}

/**
 * Seqs of the DOSE records that the priming flag of a later session record points at (docs/detection.md
 * "Priming": the flag on record N means the DOSE just before it, the previous session record, may have been a
 * prime). When a seq between the two is not held, the previous session record is unknown and nothing is marked:
 * marking the wrong dose as a prime would hide a real one.
 */
export function primeSeqs(sorted: readonly DoseRecord[], held: (seq: number) => boolean): Set<number> {
  const out = new Set<number>();
  let prevSession: DoseRecord | undefined;
  for (const r of sorted) {
    if (!isSession(r.type)) continue;
    if (r.flags & F_PRIMING && prevSession && prevSession.type === T.DOSE) {
      let complete = true;
      for (let s = prevSession.seq + 1; s < r.seq && complete; s++) if (!held(s)) complete = false;
      if (complete) out.add(prevSession.seq);
    }
    prevSession = r;
  }
  return out;
}

export function rows(store: RecordStore, opts: ReconstructOptions = {}): ExportRow[] {
  const sorted = store.sorted();
  const times = reconstruct(sorted, opts);
  const skipped = store.skipped();
  const primes = primeSeqs(sorted, (s) => store.records.has(s) || skipped.has(s));
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t * 1000).toISOString());
  // Every annotation of a dose, newest first: seq order is the order the cap wrote them (annotations are
  // additive: docs/protocol.md "Annotate dose"; none replaces the dose record or an earlier annotation).
  const annotated = new Map<number, RowAnnotation[]>();
  for (const r of sorted) {
    if (r.type !== T.ANNOTATION) continue;
    const target = annotatedSeq(r);
    const list = annotated.get(target) ?? [];
    list.unshift({ seq: r.seq, deviceTime: r.time, wallTime: iso(times.get(r.seq)?.wall), units: annotation(r).units });
    annotated.set(target, list);
  }
  return sorted.map((r) => {
    const w = times.get(r.seq)!;
    const session = isSession(r.type);
    const capUnits = session ? doseUnits(r) : undefined;
    const anns = session ? (annotated.get(r.seq) ?? []) : [];
    const annUnits = anns[0]?.units;
    const units = annUnits ?? capUnits;
    const ex = r.type === 5 ? excursion(r) : undefined;
    const role: Role =
      r.type === T.DOSE ? (primes.has(r.seq) ? "prime" : "dose") : r.type === T.UNCERTAIN_DOSE ? "dose" : r.type === T.CAP_CHECK ? "cap-check" : "event";
    return {
      id: `${store.serial}-${r.seq}`,
      seq: r.seq,
      type: typeName(r.type),
      role,
      deviceTime: r.time,
      wallTime: iso(w.wall),
      timeSource: w.source,
      notBefore: iso(w.notBefore),
      notAfter: iso(w.notAfter),
      powerOn: w.powerOn,
      units,
      unitsSource: annUnits !== undefined ? "annotation" : capUnits !== undefined ? "cap" : undefined,
      capUnits,
      annotations: anns,
      capOffSeconds: session ? r.a : undefined,
      temperatureC: session || r.type === 4 ? doseTempC(r) : ex ? ex.extremeC : undefined,
      insulin: session || r.type === 4 ? insulinType(r) : undefined,
      uncertain: r.type === T.UNCERTAIN_DOSE,
      possiblePrime: primes.has(r.seq),
      afterPrime: session && !!(r.flags & F_PRIMING),
      interruptedByReboot: !!(r.flags & F_REBOOT),
      durationMinutes: ex?.minutes,
      excursion: ex?.kind,
      detail: describeRecord(r),
      a: r.a,
      b: r.b,
    };
  });
}

/** docs/export-format.md: the format name and version every JSON export carries. */
export const EXPORT_FORMAT = "pencap-export";
export const EXPORT_VERSION = 1;

export interface ExportDocument {
  format: typeof EXPORT_FORMAT;
  version: number;
  serial: string;
  exportedAt: string;
  /** Where the log came from: "cap" (a sync), "sim" (the simulator's app), "file". */
  source: string;
  /** The patient's IANA time zone, when the exporter knew it (views show times there). */
  timeZone?: string;
  lastStatus?: Status;
  /** The records as received, verified; the truth every other field is derived from. */
  records: Omit<DoseRecord, "check">[];
  confirmedMissing: number[];
  rows: ExportRow[];
  gaps: ReturnType<RecordStore["gaps"]>;
  /** Free-form facts about how the export was made (the simulator puts its scenario and summary here). */
  meta?: Record<string, unknown>;
}

export function toExportDocument(store: RecordStore, o: { source?: string; timeZone?: string; now?: Date; meta?: Record<string, unknown> } = {}): ExportDocument {
  const doc: ExportDocument = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    serial: store.serial,
    exportedAt: (o.now ?? new Date()).toISOString(),
    source: o.source ?? "cap",
    records: store.sorted().map(({ seq, time, type, flags, a, b }) => ({ seq, time, type, flags, a, b })),
    confirmedMissing: [...store.confirmedMissing].sort((x, y) => x - y),
    rows: rows(store),
    gaps: store.gaps(),
  };
  if (o.timeZone) doc.timeZone = o.timeZone;
  if (store.lastStatus) doc.lastStatus = store.lastStatus;
  if (o.meta) doc.meta = o.meta;
  return doc;
}

export function toJSON(store: RecordStore, o: Parameters<typeof toExportDocument>[1] = {}): string {
  return JSON.stringify(toExportDocument(store, o), null, 2);
}

/** An error with a machine-readable code (docs/client.md lists them). */
export class ClientError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "ClientError";
  }
}

/**
 * Reads a JSON export back into a RecordStore (the records are re-encoded, so their checks are recomputed).
 * Throws ClientError "BAD_EXPORT" for anything that is not a pencap export of a known version.
 */
export function fromExportJSON(text: string): { store: RecordStore; doc: ExportDocument } {
  let doc: ExportDocument;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ClientError("BAD_EXPORT", `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!doc || doc.format !== EXPORT_FORMAT) throw new ClientError("BAD_EXPORT", `not a ${EXPORT_FORMAT} document`);
  if (doc.version !== EXPORT_VERSION) throw new ClientError("BAD_EXPORT", `export version ${doc.version} is not supported (expected ${EXPORT_VERSION})`);
  if (typeof doc.serial !== "string" || !Array.isArray(doc.records)) throw new ClientError("BAD_EXPORT", "serial or records missing");
  const store = new RecordStore(doc.serial);
  const u = (v: unknown, max: number) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
  for (const [i, r] of doc.records.entries()) {
    if (!r || !u(r.seq, 0xffffffff) || !u(r.time, 0xffffffff) || !u(r.type, 255) || !u(r.flags, 255) || !u(r.a, 0xffff) || !u(r.b, 0xffff))
      throw new ClientError("BAD_EXPORT", `records[${i}] is not a valid record`);
    store.add({ ...r, check: 0 });
  }
  for (const s of doc.confirmedMissing ?? []) if (!store.records.has(s)) store.confirmedMissing.add(s);
  if (doc.lastStatus) store.lastStatus = doc.lastStatus;
  return { store, doc };
}

/** The CSV columns before capUnits and annotations were added (such files are still read). */
const CSV_COLUMNS_V1: (keyof ExportRow)[] = [
  "id", "seq", "type", "role", "deviceTime", "wallTime", "timeSource", "notBefore", "notAfter", "units", "unitsSource", "capOffSeconds",
  "temperatureC", "insulin", "uncertain", "possiblePrime", "afterPrime", "interruptedByReboot", "durationMinutes", "excursion", "detail",
];
/** Appended at the end, so a tool that reads the older columns by position still finds them. */
const CSV_COLUMNS: (keyof ExportRow)[] = [...CSV_COLUMNS_V1, "capUnits", "annotations"];

/**
 * The CSV cell of a row's annotations (docs/export-format.md "Annotations"): newest first, joined by "; ", each
 * `seq=N units=U deviceTime=T` plus ` wallTime=ISO` when datable. Empty when there are none.
 */
export function annotationsCell(list: readonly RowAnnotation[]): string {
  return list.map((a) => `seq=${a.seq} units=${a.units} deviceTime=${a.deviceTime}${a.wallTime === undefined ? "" : ` wallTime=${a.wallTime}`}`).join("; ");
}
/** Reads annotationsCell back; throws ClientError "BAD_EXPORT" on anything else. */
export function parseAnnotationsCell(cell: string | undefined): RowAnnotation[] {
  if (cell === undefined || cell.trim() === "") return [];
  return cell.split(";").map((part) => {
    const kv = new Map(part.trim().split(/\s+/).map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)] as const));
    const seq = Number(kv.get("seq"));
    const units = Number(kv.get("units"));
    const deviceTime = Number(kv.get("deviceTime"));
    if (!kv.has("seq") || !kv.has("units") || !kv.has("deviceTime") || ![seq, units, deviceTime].every(Number.isFinite))
      throw new ClientError("BAD_EXPORT", `not an annotation: "${part.trim()}"`);
    return { seq, deviceTime, wallTime: kv.get("wallTime"), units };
  });
}

export function toCSV(store: RecordStore): string {
  const cell = (v: unknown) => (v === undefined ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of rows(store)) lines.push(CSV_COLUMNS.map((c) => cell(c === "annotations" ? annotationsCell(r.annotations) || undefined : r[c])).join(","));
  return lines.join("\n") + "\n";
}

/**
 * Reads a CSV export (toCSV) back into rows, for views and statistics (client/stats.ts works on rows). The CSV
 * does not carry the raw a/b fields nor powerOn, so they are NaN here; a CSV cannot be turned back into records (use the
 * JSON export for that). Throws ClientError "BAD_EXPORT" when the header is not this client's.
 */
export function fromCSV(text: string): ExportRow[] {
  const records: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(cell), (cell = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      records.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell || row.length) row.push(cell), records.push(row);
  const [header, ...body] = records.filter((r) => r.length > 1 || r[0] !== "");
  const cols = header?.join(",") === CSV_COLUMNS.join(",") ? CSV_COLUMNS : header?.join(",") === CSV_COLUMNS_V1.join(",") ? CSV_COLUMNS_V1 : undefined;
  if (!cols) throw new ClientError("BAD_EXPORT", "not a pencap CSV export (unexpected header)");
  const num = new Set<keyof ExportRow>(["seq", "deviceTime", "units", "capUnits", "capOffSeconds", "temperatureC", "durationMinutes"]);
  const bool = new Set<keyof ExportRow>(["uncertain", "possiblePrime", "afterPrime", "interruptedByReboot"]);
  return body.map((cells, n) => {
    if (cells.length !== cols.length) throw new ClientError("BAD_EXPORT", `CSV line ${n + 2} has ${cells.length} cells, expected ${cols.length}`);
    const o: Record<string, unknown> = { a: NaN, b: NaN, powerOn: NaN };
    cols.forEach((k, i) => {
      const v = cells[i];
      o[k] = k === "annotations" ? parseAnnotationsCell(v) : v === "" ? undefined : num.has(k) ? Number(v) : bool.has(k) ? v === "true" : v;
    });
    // An older CSV has no capUnits/annotations: the cap's reading is known only when the units came from the cap.
    if (cols === CSV_COLUMNS_V1) {
      o.capUnits = o.unitsSource === "cap" ? o.units : undefined;
      o.annotations = [];
    }
    return o as unknown as ExportRow;
  });
}
