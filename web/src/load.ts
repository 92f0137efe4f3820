// Reading a log file: the JSON or CSV the CLI and `npm run sim -- --export` write (client/export.ts rows), or
// a record store's JSON (client/store.ts toJSON: raw records). Everything is turned back into the cap's raw
// records, so a file and a live sync go through the same analysis. Bad input throws a LoadError with a code.
import type { DoseRecord } from "../../client/record";
import { TYPE_NAMES } from "../../client/protocol";
import type { LogData } from "./model";

export class LoadError extends Error {
  constructor(
    readonly code: "NOT_A_LOG" | "BAD_RECORD" | "EMPTY",
    message: string,
  ) {
    super(message);
  }
}

const TYPE_BY_NAME = new Map(Object.entries(TYPE_NAMES).map(([k, v]) => [v, Number(k)]));
const INSULIN_BITS: Record<string, number> = { unset: 0, rapid: 1, basal: 2, other: 3 };

type Row = Record<string, unknown>;

const isSession = (t: number) => t === 1 || t === 2 || t === 3;

const num = (v: unknown): number | undefined => {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};
const bool = (v: unknown) => v === true || v === "true" || v === 1 || v === "1";

/**
 * One record from a row. Raw records carry `type` as a number and `flags`; export rows carry `type` as a name,
 * `deviceTime`, and the flags spelled out. For the priming hint an export row may say either `primingHint`
 * (this record carries flag bit1) or `possiblePriming` — which, in an export, marks the dose that may have been
 * the prime (docs/detection.md); the hint is then put back on the next session record by `fromRows`.
 */
function rowToRecord(r: Row, i: number, notes: Map<number, { target: number; units: number }>): { rec: DoseRecord; primeCandidate: boolean } {
  const seq = num(r.seq);
  const rawType = typeof r.type === "string" ? (TYPE_BY_NAME.get(r.type) ?? num(r.type)) : num(r.type);
  const time = num(r.time) ?? num(r.deviceTime);
  if (seq === undefined || rawType === undefined || time === undefined) throw new LoadError("BAD_RECORD", `record ${i + 1}: needs seq, type and time (or deviceTime)`);
  let a = num(r.a);
  let b = num(r.b);
  // The CSV export has the decoded columns instead of a/b (docs/export-format.md): put the fields back.
  const temp = num(r.temperatureC);
  const tempByte = temp === undefined ? 0x80 : Math.round(temp) & 0xff;
  if (a === undefined || b === undefined) {
    if (isSession(rawType)) {
      // The record holds the cap's own reading: capUnits (an older CSV without that column: units).
      const u = "capUnits" in r ? num(r.capUnits) : num(r.units);
      a = num(r.capOffSeconds) ?? 0;
      b = tempByte | ((u === undefined ? 0xff : Math.round(u * 2)) << 8);
    } else if (rawType === 5) {
      a = num(r.durationMinutes) ?? 0;
      b = tempByte | ((r.excursion === "cold" ? 2 : 1) << 8);
    } else if (rawType === 4) {
      a = num(r.capOffSeconds) ?? 600;
      b = tempByte;
    } else if (rawType === 9 && notes.has(seq)) {
      // An ANNOTATION: its dose's row lists it (the annotations column) with its units; point it back there.
      const n = notes.get(seq)!;
      a = n.target & 0xffff;
      b = ((n.target >> 16) & 0xff) | (Math.round(n.units * 2) << 8);
    } else {
      // Other types' fields are not in the CSV (an ANNOTATION no dose row lists gets a = b = 0, which
      // points at seq 0, which no cap has).
      a = 0;
      b = 0;
    }
  }
  let flags = num(r.flags);
  let primeCandidate = false;
  if (flags === undefined) {
    flags = 0;
    if (bool(r.interruptedByReboot)) flags |= 0x04;
    if (typeof r.insulin === "string") flags |= (INSULIN_BITS[r.insulin] ?? 0) << 4;
    if (bool(r.afterPrime) || bool(r.primingHint)) flags |= 0x02;
    else if (bool(r.possiblePrime) || bool(r.possiblePriming)) primeCandidate = true;
  }
  return { rec: { seq, time, type: rawType, flags, a, b, check: 0 }, primeCandidate };
}

function fromRows(rows: Row[]): DoseRecord[] {
  // A CSV export's dose rows list their annotations (docs/export-format.md "Annotations"): seq=N units=U ….
  const notes = new Map<number, { target: number; units: number }>();
  for (const r of rows) {
    const target = num(r.seq);
    if (typeof r.annotations !== "string" || target === undefined) continue;
    for (const part of r.annotations.split(";")) {
      const seq = num(/(?:^|\s)seq=(\S+)/.exec(part)?.[1]);
      const units = num(/(?:^|\s)units=(\S+)/.exec(part)?.[1]);
      if (seq !== undefined && units !== undefined) notes.set(seq, { target, units });
    }
  }
  const out = rows.map((r, i) => rowToRecord(r, i, notes)).sort((x, y) => x.rec.seq - y.rec.seq);
  // An export marks the prime itself; the cap marks the record after it (flag bit1 on the next session).
  for (let i = 0; i < out.length; i++) {
    if (!out[i].primeCandidate) continue;
    for (let k = i + 1; k < out.length; k++) {
      if (isSession(out[k].rec.type)) {
        out[k].rec.flags |= 0x02;
        break;
      }
    }
  }
  return out.map((x) => x.rec);
}

function parseCsv(text: string): Row[] {
  const lines: string[][] = [];
  let cell = "";
  let line: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      line.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      line.push(cell);
      cell = "";
      if (line.some((x) => x !== "")) lines.push(line);
      line = [];
    } else cell += c;
  }
  line.push(cell);
  if (line.some((x) => x !== "")) lines.push(line);
  const [head, ...body] = lines;
  if (!head || !head.includes("seq") || !head.includes("type")) throw new LoadError("NOT_A_LOG", "this CSV has no seq and type columns: not a pen cap export");
  return body.map((cells) => Object.fromEntries(head.map((h, k) => [h, cells[k] === "" ? undefined : cells[k]])));
}

function serialFromRows(rows: Row[]): string | undefined {
  const id = rows.find((r) => typeof r.id === "string")?.id as string | undefined;
  return id?.replace(/-\d+$/, "");
}

/** Parses a file's text (JSON or CSV, told apart by content). */
export function parseLog(text: string, fileName: string): LogData {
  const trimmed = text.trimStart();
  let serial: string | undefined;
  let rows: Row[];
  let syncedAt: number | undefined;
  let status: LogData["status"];
  let gaps: LogData["gaps"];
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch (e) {
      throw new LoadError("NOT_A_LOG", `not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const o = (Array.isArray(j) ? { records: j } : j) as Row;
    if (!o || !Array.isArray(o.records)) throw new LoadError("NOT_A_LOG", "this JSON has no records list: not a pen cap export");
    if (o.format !== undefined && o.format !== "pencap-export") throw new LoadError("NOT_A_LOG", `format "${String(o.format)}" is not a pencap export`);
    rows = o.records as Row[];
    serial = typeof o.serial === "string" ? o.serial : undefined;
    const ex = num(o.exportedAt) ?? (typeof o.exportedAt === "string" ? Date.parse(o.exportedAt) / 1000 : undefined);
    syncedAt = num(o.syncedAt) ?? (Number.isFinite(ex) ? ex : undefined);
    if (o.lastStatus && typeof o.lastStatus === "object") status = o.lastStatus as LogData["status"];
    if (Array.isArray(o.gaps)) gaps = o.gaps as LogData["gaps"];
  } else rows = parseCsv(text);
  if (rows.length === 0) throw new LoadError("EMPTY", "the file holds no records");
  return { serial: serial ?? serialFromRows(rows) ?? "unknown cap", records: fromRows(rows), status, syncedAt, gaps, source: `file ${fileName}` };
}
