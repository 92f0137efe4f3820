// An independent companion-app client written from docs/protocol.md alone (issue 7: "a second client
// written only from docs/protocol.md would interoperate"). It deliberately shares no code with client/ or
// firmware/: every constant and layout below is taken from the section of protocol.md named next to it.
// Where the document left something open, the guess made is marked "GUESS" and listed in FINDINGS.md.

// ---- Section 1: UUIDs -------------------------------------------------------------------------------

export const PEN_CAP_SERVICE = "bd635a9b-a865-4781-94c2-0cef8c1bf40b";
export const DOSE_RECORDS = "bd630001-a865-4781-94c2-0cef8c1bf40b";
export const RACP = "bd630002-a865-4781-94c2-0cef8c1bf40b";
export const DEVICE_TIME = "bd630003-a865-4781-94c2-0cef8c1bf40b";
export const STATUS = "bd630004-a865-4781-94c2-0cef8c1bf40b";
export const CONFIG = "bd630005-a865-4781-94c2-0cef8c1bf40b";
/** 16-bit UUIDs expand on the Bluetooth base UUID (section 1). */
export function uuid16(short: number): string {
  return short.toString(16).padStart(8, "0") + "-0000-1000-8000-00805f9b34fb";
}
export const DEVICE_INFORMATION = uuid16(0x180a);
export const SERIAL_NUMBER = uuid16(0x2a25);
export const BATTERY_SERVICE = uuid16(0x180f);
export const BATTERY_LEVEL = uuid16(0x2a19);

// ---- little-endian helpers ----------------------------------------------------------------------------

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function putU32(out: number[], v: number): void {
  out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}
export function hex(b: Uint8Array | number[]): string {
  return Array.prototype.map.call(b, (x: number) => x.toString(16).padStart(2, "0")).join(" ");
}

// ---- Section 2: the 16-byte record ----------------------------------------------------------------------

/** Standard CRC-32 (reflected, polynomial 0xEDB88320, init and final xor 0xFFFFFFFF), as zlib. */
let crcTable: Uint32Array | null = null;
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** `check`: low 16 bits of CRC-32 over bytes 0..13; 0xFFFF is sent as 0x0000. */
export function recordCheck(rec: Uint8Array): number {
  const c = crc32(rec.subarray(0, 14)) & 0xffff;
  return c === 0xffff ? 0x0000 : c;
}

export const TYPE_NAMES: Record<number, string> = {
  0x01: "DOSE",
  0x02: "CAP_CHECK",
  0x03: "UNCERTAIN_DOSE",
  0x04: "CAP_LEFT_OFF",
  0x05: "TEMP_EXCURSION",
  0x06: "TIME_SET",
  0x07: "BOOT",
  0x08: "BATTERY_LOW",
  0x09: "ANNOTATION",
  0x0a: "ERROR",
  0x0b: "LOG_CORRUPTION",
  0x0c: "DELETE",
  0x0d: "SAFE_MODE",
  0x0e: "CONFIG_CHANGED",
  0x0f: "SEQ_SKIPPED",
};
export const DOSE_TYPES = [0x01, 0x02, 0x03];
/** Times below this are seconds since the preceding power-on ("relative"). */
export const WALL_TIME_MIN = 946684800;

export interface CapRecord {
  raw: Uint8Array;
  seq: number;
  time: number;
  relative: boolean;
  type: number;
  typeName: string; // "UNKNOWN_0x.." for a type the doc does not list
  flags: number;
  possiblePriming: boolean;
  interruptedByReboot: boolean;
  insulin: "not set" | "rapid" | "basal" | "other";
  a: number;
  b: number;
  check: number;
  checkOk: boolean;
  /** DOSE / CAP_CHECK / UNCERTAIN_DOSE */
  capOffSeconds?: number;
  temperatureC?: number | null;
  units?: number | null;
  /** ANNOTATION: low 24 bits of the annotated seq */
  annotatedSeq24?: number;
  /** TIME_SET: previous clock value; DELETE: last deleted seq */
  previousClock?: number;
  lastDeletedSeq?: number;
  /** SEQ_SKIPPED */
  skippedFirst?: number;
  skippedCount?: number;
}

function i8(v: number): number {
  return v & 0x80 ? v - 256 : v;
}

export function decodeRecord(raw: Uint8Array): CapRecord {
  if (raw.length !== 16) throw new Error("record must be 16 bytes, got " + raw.length);
  const rec = raw.slice();
  const seq = u32(rec, 0);
  const time = u32(rec, 4);
  const type = rec[8];
  const flags = rec[9];
  const a = u16(rec, 10);
  const b = u16(rec, 12);
  const check = u16(rec, 14);
  const insulin = (["not set", "rapid", "basal", "other"] as const)[(flags >> 4) & 3];
  const r: CapRecord = {
    raw: rec,
    seq,
    time,
    relative: time < WALL_TIME_MIN,
    type,
    typeName: TYPE_NAMES[type] ?? "UNKNOWN_0x" + type.toString(16),
    flags,
    possiblePriming: (flags & 0x02) !== 0,
    interruptedByReboot: (flags & 0x04) !== 0,
    insulin,
    a,
    b,
    check,
    checkOk: recordCheck(rec) === check,
  };
  if (DOSE_TYPES.indexOf(type) >= 0) {
    r.capOffSeconds = a;
    r.temperatureC = (b & 0xff) === 0x80 ? null : i8(b & 0xff);
    r.units = b >> 8 === 0xff ? null : (b >> 8) / 2;
  } else if (type === 0x09) {
    r.annotatedSeq24 = a | ((b & 0xff) << 16);
    r.units = (b >> 8) / 2;
  } else if (type === 0x06) {
    r.previousClock = (a | (b << 16)) >>> 0;
  } else if (type === 0x0c) {
    r.lastDeletedSeq = (a | (b << 16)) >>> 0;
  } else if (type === 0x0f) {
    // first = seq − ((seq − a − 1) mod 65536) − 1
    const m = (((seq - a - 1) % 65536) + 65536) % 65536;
    r.skippedFirst = seq - m - 1;
    r.skippedCount = b;
  }
  return r;
}

// ---- Section 3.4 / 3.3: Status and Device Time --------------------------------------------------------

export interface CapStatus {
  batteryPercent: number | null;
  alerts: number;
  recordsHeld: number;
  newestSeq: number | null;
  lastDoseTime: number | null;
  oldestSeq: number | null;
  deletedThrough: number | null;
}

export function decodeStatus(v: Uint8Array): CapStatus {
  if (v.length !== 20) throw new Error("Status must be 20 bytes, got " + v.length);
  const none = (x: number) => (x === 0xffffffff ? null : x);
  return {
    batteryPercent: v[0] === 0xff ? null : v[0],
    alerts: v[1],
    recordsHeld: u16(v, 2),
    newestSeq: none(u32(v, 4)),
    lastDoseTime: u32(v, 8) === 0 ? null : u32(v, 8),
    oldestSeq: none(u32(v, 12)),
    deletedThrough: none(u32(v, 16)),
  };
}

export interface DeviceTime {
  clock: number;
  clockSet: boolean;
  lastWriteResult: number | null;
}

export function decodeDeviceTime(v: Uint8Array): DeviceTime {
  if (v.length !== 6) throw new Error("Device Time must be 6 bytes, got " + v.length);
  return { clock: u32(v, 0), clockSet: (v[4] & 1) !== 0, lastWriteResult: v[5] === 0xff ? null : v[5] };
}

// ---- Section 3.2: RACP ------------------------------------------------------------------------------------

export const OP = {
  REPORT: 0x01,
  DELETE: 0x02,
  ABORT: 0x03,
  COUNT: 0x04,
  COUNT_RESPONSE: 0x05,
  RESPONSE_CODE: 0x06,
  ANNOTATE: 0xa1,
  NOTIFICATION_SIZE: 0xa2,
} as const;
export const OPERATOR = { NULL: 0x00, ALL: 0x01, LE: 0x02, GE: 0x03, RANGE: 0x04, FIRST: 0x05, LAST: 0x06 } as const;
export const RC = {
  SUCCESS: 0x01,
  OP_CODE_NOT_SUPPORTED: 0x02,
  INVALID_OPERATOR: 0x03,
  OPERATOR_NOT_SUPPORTED: 0x04,
  INVALID_OPERAND: 0x05,
  NO_RECORDS_FOUND: 0x06,
  ABORT_UNSUCCESSFUL: 0x07,
  PROCEDURE_NOT_COMPLETED: 0x08,
  OPERAND_NOT_SUPPORTED: 0x09,
} as const;
export const RC_NAMES: Record<number, string> = {
  1: "Success",
  2: "Op code not supported",
  3: "Invalid operator",
  4: "Operator not supported",
  5: "Invalid operand",
  6: "No records found",
  7: "Abort unsuccessful",
  8: "Procedure not completed",
  9: "Operand not supported",
};
const FILTER_SEQ = 0x01;

export type Filter =
  | { kind: "all" }
  | { kind: "first" }
  | { kind: "last" }
  | { kind: "le"; seq: number }
  | { kind: "ge"; seq: number }
  | { kind: "range"; min: number; max: number };

function encodeFilter(op: number, f: Filter): Uint8Array {
  const out: number[] = [op];
  switch (f.kind) {
    case "all":
      out.push(OPERATOR.ALL);
      break;
    case "first":
      out.push(OPERATOR.FIRST);
      break;
    case "last":
      out.push(OPERATOR.LAST);
      break;
    case "le":
      out.push(OPERATOR.LE, FILTER_SEQ);
      putU32(out, f.seq);
      break;
    case "ge":
      out.push(OPERATOR.GE, FILTER_SEQ);
      putU32(out, f.seq);
      break;
    case "range":
      out.push(OPERATOR.RANGE, FILTER_SEQ);
      putU32(out, f.min);
      putU32(out, f.max);
      break;
  }
  return new Uint8Array(out);
}

export const encodeReport = (f: Filter) => encodeFilter(OP.REPORT, f);
export const encodeCount = (f: Filter) => encodeFilter(OP.COUNT, f);
export function encodeDelete(f: { kind: "all" } | { kind: "le"; seq: number }): Uint8Array {
  return encodeFilter(OP.DELETE, f);
}
export function encodeAbort(): Uint8Array {
  return new Uint8Array([OP.ABORT, OPERATOR.NULL]);
}
export function encodeAnnotate(seq: number, units: number): Uint8Array {
  const out: number[] = [OP.ANNOTATE, OPERATOR.NULL];
  putU32(out, seq);
  out.push(Math.round(units * 2) & 0xff);
  return new Uint8Array(out);
}
/** size = ATT_MTU − 3, at least 20, 255 for any larger MTU (section 3.2, op 0xA2). */
export function encodeNotificationSize(attMtu: number): Uint8Array {
  const size = Math.max(20, Math.min(255, attMtu - 3));
  return new Uint8Array([OP.NOTIFICATION_SIZE, OPERATOR.NULL, size]);
}

export type RacpIndication =
  | { kind: "response"; requestOp: number; code: number; name: string }
  | { kind: "count"; count: number }
  | { kind: "unknown"; bytes: Uint8Array };

export function decodeRacp(v: Uint8Array): RacpIndication {
  if (v.length === 4 && v[0] === OP.RESPONSE_CODE && v[1] === 0x00)
    return { kind: "response", requestOp: v[2], code: v[3], name: RC_NAMES[v[3]] ?? "?" };
  if (v.length === 6 && v[0] === OP.COUNT_RESPONSE && v[1] === 0x00) return { kind: "count", count: u32(v, 2) };
  return { kind: "unknown", bytes: v.slice() };
}

/** Records per notification: k = min(15, ⌊size/16⌋), at least 1 (section 3.1). */
export function recordsPerNotification(size: number): number {
  return Math.max(1, Math.min(15, Math.floor(size / 16)));
}

// ---- Transport ------------------------------------------------------------------------------------------

/** What the client needs from a BLE stack (Web Bluetooth, a native plugin, or a simulator). */
export interface GattLink {
  /** ATT MTU as the platform reports it, or null when it does not (Web Bluetooth). */
  readonly attMtu: number | null;
  read(service: string, characteristic: string): Promise<Uint8Array>;
  write(service: string, characteristic: string, value: Uint8Array): Promise<void>;
  subscribe(service: string, characteristic: string, onValue: (v: Uint8Array) => void): Promise<void>;
  /** Called once when the link goes away (dropped or closed). */
  onDisconnect(cb: () => void): void;
}

export class LinkLost extends Error {
  constructor() {
    super("link lost");
  }
}

export interface ReportResult {
  code: number;
  records: CapRecord[];
  /** Notifications whose length was not a whole number of records, or records that failed their check. */
  rejected: Uint8Array[];
  notifications: number;
}

/** One connected session with a cap. */
export class CapSession {
  private pending: { resolve: (v: RacpIndication) => void; reject: (e: Error) => void } | null = null;
  private collecting: ReportResult | null = null;
  private alive = true;
  /** Every verified record received in any report on this link, in arrival order (kept even if the link drops). */
  readonly received: CapRecord[] = [];
  readonly indications: Uint8Array[] = [];
  readonly statusNotifications: CapStatus[] = [];
  notificationSize = 20;
  onRecord: ((r: CapRecord) => void) | null = null;

  private constructor(private readonly link: GattLink) {}

  /** Subscribe to RACP indications and Dose Records notifications (section 3.2: both first), then announce
   *  the notification size when the platform reports an MTU above 23. */
  static async open(link: GattLink, opts: { status?: boolean } = {}): Promise<CapSession> {
    const s = new CapSession(link);
    link.onDisconnect(() => {
      s.alive = false;
      const p = s.pending;
      s.pending = null;
      if (p) p.reject(new LinkLost());
    });
    await link.subscribe(PEN_CAP_SERVICE, DOSE_RECORDS, (v) => s.onRecords(v));
    await link.subscribe(PEN_CAP_SERVICE, RACP, (v) => s.onIndication(v));
    if (opts.status) await link.subscribe(PEN_CAP_SERVICE, STATUS, (v) => s.statusNotifications.push(decodeStatus(v)));
    if (link.attMtu !== null && link.attMtu > 23) {
      const ind = await s.request(encodeNotificationSize(link.attMtu));
      if (ind.kind === "response" && ind.code === RC.SUCCESS) s.notificationSize = Math.max(20, Math.min(255, link.attMtu - 3));
    }
    return s;
  }

  get connected(): boolean {
    return this.alive;
  }

  private onRecords(v: Uint8Array): void {
    const c = this.collecting;
    if (v.length === 0 || v.length % 16 !== 0) {
      if (c) c.rejected.push(v.slice());
      return;
    }
    if (c) c.notifications++;
    for (let o = 0; o < v.length; o += 16) {
      const r = decodeRecord(v.subarray(o, o + 16));
      if (!r.checkOk) {
        // "A client must verify check and discard a record that does not verify"
        if (c) c.rejected.push(r.raw);
        continue;
      }
      this.received.push(r);
      if (c) c.records.push(r);
      if (this.onRecord) this.onRecord(r);
    }
  }

  private onIndication(v: Uint8Array): void {
    this.indications.push(v.slice());
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    p.resolve(decodeRacp(v));
  }

  /** Write a RACP request and wait for its indication (response code or count). */
  async request(bytes: Uint8Array): Promise<RacpIndication> {
    if (!this.alive) throw new LinkLost();
    if (this.pending) throw new Error("one procedure at a time");
    const answer = new Promise<RacpIndication>((resolve, reject) => {
      this.pending = { resolve, reject };
    });
    try {
      await this.link.write(PEN_CAP_SERVICE, RACP, bytes);
    } catch (e) {
      this.pending = null;
      throw e;
    }
    return answer;
  }

  /** Report stored records; resolves with the records received and the final response code. */
  async report(f: Filter): Promise<ReportResult> {
    const res: ReportResult = { code: 0, records: [], rejected: [], notifications: 0 };
    this.collecting = res;
    try {
      const ind = await this.request(encodeReport(f));
      res.code = ind.kind === "response" ? ind.code : -1;
      return res;
    } finally {
      this.collecting = null;
    }
  }

  async count(f: Filter): Promise<number> {
    const ind = await this.request(encodeCount(f));
    if (ind.kind !== "count") throw new Error("count refused: " + JSON.stringify(ind));
    return ind.count;
  }

  async annotate(seq: number, units: number): Promise<number> {
    const ind = await this.request(encodeAnnotate(seq, units));
    return ind.kind === "response" ? ind.code : -1;
  }

  async deleteRecords(f: { kind: "all" } | { kind: "le"; seq: number }): Promise<number> {
    const ind = await this.request(encodeDelete(f));
    return ind.kind === "response" ? ind.code : -1;
  }

  async readStatus(): Promise<CapStatus> {
    return decodeStatus(await this.link.read(PEN_CAP_SERVICE, STATUS));
  }

  async readSerial(): Promise<string> {
    return new TextDecoder().decode(await this.link.read(DEVICE_INFORMATION, SERIAL_NUMBER));
  }

  async readTime(): Promise<DeviceTime> {
    return decodeDeviceTime(await this.link.read(PEN_CAP_SERVICE, DEVICE_TIME));
  }

  /** Write Unix seconds (section 3.3) and read the result back (section 3.6). */
  async setTime(unixSeconds: number): Promise<DeviceTime> {
    const out: number[] = [];
    putU32(out, unixSeconds);
    await this.link.write(PEN_CAP_SERVICE, DEVICE_TIME, new Uint8Array(out));
    return this.readTime();
  }
}

// ---- Section 8: the client algorithm ------------------------------------------------------------------

export type GapKind = "skipped" | "missing" | "overwritten" | "deleted";

/** What the app keeps between connections: every verified record, by seq. */
export class RecordStore {
  readonly bySeq = new Map<number, CapRecord>();
  duplicatesDropped = 0;

  add(r: CapRecord): boolean {
    if (!r.checkOk) return false;
    if (this.bySeq.has(r.seq)) {
      this.duplicatesDropped++;
      return false;
    }
    this.bySeq.set(r.seq, r);
    return true;
  }

  newest(): number | null {
    let n: number | null = null;
    for (const s of this.bySeq.keys()) if (n === null || s > n) n = s;
    return n;
  }

  sorted(): CapRecord[] {
    return [...this.bySeq.values()].sort((x, y) => x.seq - y.seq);
  }

  /** Seqs named by SEQ_SKIPPED records held (section 2: ignore any at or above the record's own seq). */
  skippedSeqs(): Set<number> {
    const out = new Set<number>();
    for (const r of this.bySeq.values()) {
      if (r.type !== 0x0f || r.skippedFirst === undefined || r.skippedCount === undefined) continue;
      for (let s = r.skippedFirst; s < r.skippedFirst + r.skippedCount && s < r.seq; s++) out.add(s);
    }
    return out;
  }

  /** Classify every seq not held between 0 and status.newestSeq (section 8, step 3). */
  gaps(status: CapStatus): { seq: number; kind: GapKind }[] {
    const out: { seq: number; kind: GapKind }[] = [];
    if (status.newestSeq === null) return out;
    const skipped = this.skippedSeqs();
    // GUESS (FINDINGS F1): the doc does not say where seqs start (its example starts at 0, the cap at 1), so
    // holes are only looked for from the lowest seq this app ever learnt of (held, or Status.oldest).
    let from = status.oldestSeq ?? status.newestSeq;
    for (const s of this.bySeq.keys()) if (s < from) from = s;
    for (let s = from; s <= status.newestSeq; s++) {
      if (this.bySeq.has(s)) continue;
      let kind: GapKind = "missing";
      if (status.deletedThrough !== null && s <= status.deletedThrough) kind = "deleted";
      else if (skipped.has(s)) kind = "skipped";
      else if (status.oldestSeq !== null && s < status.oldestSeq) kind = "overwritten";
      out.push({ seq: s, kind });
    }
    return out;
  }

  /** The newest annotation of a dose wins (section 3.2, Annotate dose). */
  unitsOf(doseSeq: number): number | null {
    const dose = this.bySeq.get(doseSeq);
    let units = dose && dose.units !== undefined ? dose.units : null;
    let best = -1;
    for (const r of this.bySeq.values())
      if (r.type === 0x09 && r.annotatedSeq24 === (doseSeq & 0xffffff) && r.seq > best && r.seq > doseSeq) {
        best = r.seq;
        units = r.units ?? null;
      }
    return units;
  }
}

export interface SyncOutcome {
  status: CapStatus;
  added: number;
  reportCodes: number[];
  gaps: { seq: number; kind: GapKind }[];
}

/**
 * Section 8 steps 1–3: read Status, report ≥ newest held + 1 (all the first time), keep every verified
 * record at once, then ask again "within range" for holes not explained by SEQ_SKIPPED / delete / ring.
 * Throws LinkLost if the link drops; what was received before that is already in the store.
 */
export async function sync(session: CapSession, store: RecordStore): Promise<SyncOutcome> {
  const status = await session.readStatus();
  const codes: number[] = [];
  let added = 0;
  const prev = session.onRecord;
  // keep each record the moment it arrives, so a drop mid-report loses nothing received
  session.onRecord = (r) => {
    if (store.add(r)) added++;
    if (prev) prev(r);
  };
  try {
    if (status.newestSeq !== null) {
      const held = store.newest();
      if (held === null || held < status.newestSeq) {
        const res = await session.report(held === null ? { kind: "all" } : { kind: "ge", seq: held + 1 });
        codes.push(res.code);
      }
      // holes: ask again, once, within range
      for (const [min, max] of runs(store.gaps(status).filter((g) => g.kind === "missing").map((g) => g.seq))) {
        const res = await session.report({ kind: "range", min, max });
        codes.push(res.code);
      }
    }
  } finally {
    session.onRecord = prev;
  }
  return { status, added, reportCodes: codes, gaps: store.gaps(status) };
}

function runs(seqs: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const s of seqs) {
    const last = out[out.length - 1];
    if (last && last[1] === s - 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}
