// Record Access Control Point engine, modelled on the RACP of the Bluetooth Glucose Profile
// (GLP v1.0 and the Glucose Service GLS v1.0, section 3.6 "Record Access Control Point"; op code, operator
// and response code values as in the GATT Specification Supplement). Differences (docs/protocol.md):
// the filter type 0x01 operand is the cap's u32 sequence number (GLS: u16), the number-of-records response
// is a u32, and vendor op code 0xA1 annotates a dose.
// Pure: works over its host's LogPort and Send; one reusable packet buffer, no allocation per record.
import { rd32, wr32 } from "./bytes";
import { UuidK } from "./uuids";
import { LogPort, Send } from "./ports";

/** Constants as a const enum: esbuild inlines them, so none costs a variable on the cap (each exported
 *  name below is an alias kept for tests and the client). */
export const enum RacpK {
  OP_REPORT = 0x01,
  OP_DELETE = 0x02,
  OP_ABORT = 0x03,
  OP_REPORT_NUMBER = 0x04,
  OP_NUMBER_RESPONSE = 0x05,
  OP_RESPONSE = 0x06,
  OP_ANNOTATE = 0xa1, // vendor op code (GLS reserves 0x07-0xFF for future use; see protocol.md)
  OP_NOTIFY_SIZE = 0xa2,
  OP_CONFIRM = 0xa3, // vendor: the app holds every record up to a seq (docs/protocol.md 3.2 "App records")
  MIN_NOTIFY_SIZE = 20,
  OPR_NULL = 0x00,
  OPR_ALL = 0x01,
  OPR_LE = 0x02,
  OPR_GE = 0x03,
  OPR_RANGE = 0x04,
  OPR_FIRST = 0x05,
  OPR_LAST = 0x06,
  FILTER_SEQ = 0x01,
  RC_SUCCESS = 0x01,
  RC_OP_NOT_SUPPORTED = 0x02,
  RC_INVALID_OPERATOR = 0x03,
  RC_OPERATOR_NOT_SUPPORTED = 0x04,
  RC_INVALID_OPERAND = 0x05,
  RC_NO_RECORDS = 0x06,
  RC_ABORT_UNSUCCESSFUL = 0x07,
  RC_NOT_COMPLETED = 0x08,
  RC_OPERAND_NOT_SUPPORTED = 0x09,
  // Vendor response codes (GLS reserves 0x0A-0xFF; docs/protocol.md 3.2). 0x81 and 0x82 are also the
  // Device Time / Config write results of the same refusals (3.6), so one check serves both.
  RC_NEEDS_CAP = 0x80, // delete without the cap in hand (the pairing window)
  RC_NOT_SYNCED = 0x81, // an app record now could overwrite a record no phone has confirmed
  RC_RATE_LIMITED = 0x82, // app-record budget spent: try again later
  /** App-record token bucket: at most APP_BURST at once, one more every APP_REFILL_S seconds (144 a day). */
  APP_BURST = 32,
  APP_REFILL_S = 600,
  /** Seqs one append may use up (DoseLog: up to 3 attempts, a failed slot's seq is never reused). */
  APP_SLACK = 3,
  /** Status "sync soon" (alert bit 5) this many appends before the ring overwrites an unconfirmed record: a page of 4 KiB. */
  RING_WARN = 254,
  T_DOSE = 0x01,
  T_CAP_CHECK = 0x02,
  T_UNCERTAIN = 0x03,
  T_ANNOTATION = 0x09,
  T_DELETE = 0x0c,
  RECORD_SIZE = 16,
  MAX_MTU = 247, // largest ATT MTU the packet buffer is sized for
  MAX_PER_PACKET = 15, // floor((247 - 3) / 16)
  RESP_SLOTS = 4,
  RESP_SIZE = 8,
  NONE = 0xffffffff,
  NUMBER = 0x100, // respond()'s selector for a Number of Stored Records response (not a byte: no op code)
  UPD_RECORD = 0, // EngK.UPD_RECORD (engine.ts imports this module, not the other way round)
}

export const OP_REPORT: number = RacpK.OP_REPORT;
export const OP_DELETE: number = RacpK.OP_DELETE;
export const OP_ABORT: number = RacpK.OP_ABORT;
export const OP_REPORT_NUMBER: number = RacpK.OP_REPORT_NUMBER;
export const OP_NUMBER_RESPONSE: number = RacpK.OP_NUMBER_RESPONSE;
export const OP_RESPONSE: number = RacpK.OP_RESPONSE;
export const OP_ANNOTATE: number = RacpK.OP_ANNOTATE; // vendor op code (GLS reserves 0x07-0xFF for future use; see protocol.md)
// Vendor op: the app tells the cap its notification payload size (ATT_MTU - 3). Espruino 2v29 emits no `mtu`
// event in peripheral mode, so the firmware cannot learn the MTU itself (docs/sim-ble.md).
export const OP_NOTIFY_SIZE: number = RacpK.OP_NOTIFY_SIZE;
/** Vendor op: the app holds every record with seq <= the operand (docs/protocol.md 3.2 "App records"). */
export const OP_CONFIRM: number = RacpK.OP_CONFIRM;
/** Smallest notification payload: the minimum ATT_MTU 23 (Core spec v5.3 Vol 3 Part F 3.2.8) minus 3. */
export const MIN_NOTIFY_SIZE: number = RacpK.MIN_NOTIFY_SIZE;

export const OPR_NULL: number = RacpK.OPR_NULL;
export const OPR_ALL: number = RacpK.OPR_ALL;
export const OPR_LE: number = RacpK.OPR_LE;
export const OPR_GE: number = RacpK.OPR_GE;
export const OPR_RANGE: number = RacpK.OPR_RANGE;
export const OPR_FIRST: number = RacpK.OPR_FIRST;
export const OPR_LAST: number = RacpK.OPR_LAST;

export const FILTER_SEQ: number = RacpK.FILTER_SEQ;

export const RC_SUCCESS: number = RacpK.RC_SUCCESS;
export const RC_OP_NOT_SUPPORTED: number = RacpK.RC_OP_NOT_SUPPORTED;
export const RC_INVALID_OPERATOR: number = RacpK.RC_INVALID_OPERATOR;
export const RC_OPERATOR_NOT_SUPPORTED: number = RacpK.RC_OPERATOR_NOT_SUPPORTED;
export const RC_INVALID_OPERAND: number = RacpK.RC_INVALID_OPERAND;
export const RC_NO_RECORDS: number = RacpK.RC_NO_RECORDS;
export const RC_ABORT_UNSUCCESSFUL: number = RacpK.RC_ABORT_UNSUCCESSFUL;
export const RC_NOT_COMPLETED: number = RacpK.RC_NOT_COMPLETED;
export const RC_OPERAND_NOT_SUPPORTED: number = RacpK.RC_OPERAND_NOT_SUPPORTED;
export const RC_NEEDS_CAP: number = RacpK.RC_NEEDS_CAP;
export const RC_NOT_SYNCED: number = RacpK.RC_NOT_SYNCED;
export const RC_RATE_LIMITED: number = RacpK.RC_RATE_LIMITED;
export const APP_BURST: number = RacpK.APP_BURST;
export const APP_REFILL_S: number = RacpK.APP_REFILL_S;

// Record types the RACP needs to know (architecture.md).
export const T_DOSE: number = RacpK.T_DOSE;
export const T_CAP_CHECK: number = RacpK.T_CAP_CHECK;
export const T_UNCERTAIN: number = RacpK.T_UNCERTAIN;
export const T_ANNOTATION: number = RacpK.T_ANNOTATION;
export const T_DELETE: number = RacpK.T_DELETE;

export const RECORD_SIZE: number = RacpK.RECORD_SIZE;
export const MAX_MTU: number = RacpK.MAX_MTU; // largest ATT MTU the packet buffer is sized for

/** What the RACP engine uses of its owner (the BleEngine): one reference instead of four properties and
 *  three constructor parameters (each costs RAM on the cap). */
export interface RacpHost {
  log: LogPort;
  /** The radio (ports.ts Send): RACP answers are indicated, record packets notified. */
  out: Send;
  /** Time source for records this engine appends (ANNOTATION, DELETE). */
  clock: { now(): number };
  /** Called with EngK.UPD_RECORD (0) after the engine appended a record (status, advertising refresh). */
  update(kind: number, v: number): void;
  /** The cap is in the patient's hand (the pairing window is open): delete needs it. */
  capConfirmed: boolean;
}

export class Racp {
  host: RacpHost;
  /** Records with seq <= deletedThrough were deleted by the app (DELETE record); -1 when none. */
  deletedThrough = -1;
  /** Current ATT MTU of the link. */
  mtu = 23;
  /** True while a report runs (no other procedure is accepted; docs/protocol.md "busy"). */
  reporting = false;
  /** The highest seq an app confirmed it holds (op 0xA3), -1 none. RAM only: after a reset it is unknown,
   *  which only refuses more (docs/protocol.md 3.2 "App records"). */
  synced = -1;
  /** App-record token bucket: tokens left and the clock (s) they were counted at. */
  tokens: number = RacpK.APP_BURST;
  tokAt = 0;

  private cursor = 0; // next seq to read
  private last = 0; // last seq included
  private sent = 0; // records sent in this procedure
  // pkt, rec and resp are views on one buffer (one ArrayBuffer in RAM instead of three).
  private pkt: Uint8Array; // MAX_PER_PACKET records
  private pktLen = 0; // records of the batch read into pkt
  private pktPos = 0; // the first of them not yet accepted by the radio
  private per = 1; // records per notification of this batch
  private pktLast = 0; // seq of the batch's last record
  private rec: Uint8Array;
  private resp: Uint8Array; // RESP_SLOTS slots of RESP_SIZE bytes; a slot's last byte holds its length
  private respHead = 0;
  private respCount = 0;

  constructor(host: RacpHost) {
    this.host = host;
    this.tokAt = host.clock.now();
    const m = new Uint8Array(RacpK.MAX_PER_PACKET * RacpK.RECORD_SIZE + RacpK.RECORD_SIZE + RacpK.RESP_SLOTS * RacpK.RESP_SIZE);
    this.pkt = m.subarray(0, RacpK.MAX_PER_PACKET * RacpK.RECORD_SIZE);
    this.rec = m.subarray(RacpK.MAX_PER_PACKET * RacpK.RECORD_SIZE, (RacpK.MAX_PER_PACKET + 1) * RacpK.RECORD_SIZE);
    this.resp = m.subarray((RacpK.MAX_PER_PACKET + 1) * RacpK.RECORD_SIZE);
  }

  /** A report running or responses not yet accepted by the radio: the adapter keeps pumping. */
  pending(): boolean {
    return this.reporting || this.respCount > 0;
  }

  /**
   * The radio refused a record notification outright (on Espruino a full queue is silent, so this is
   * DATA_SIZE: the app announced a larger notification size than its link has). Fall back to one record per
   * notification, from the refused packet's first record on.
   */
  notifyRefused(): void {
    if (this.mtu > RacpK.MIN_NOTIFY_SIZE + 3) {
      this.mtu = RacpK.MIN_NOTIFY_SIZE + 3;
      this.per = 1;
    }
  }

  /** Link lost: stop at once and forget queued responses (the next sync starts over from the app's seq). */
  linkDown(): void {
    this.reporting = false;
    this.pktLen = 0;
    this.respCount = 0;
  }

  /**
   * A write to the RACP (already authorised). Never throws; any answer goes out as an indication.
   * Report, delete and annotate are written out in the switch below rather than as one method each (each
   * method costs RAM on the cap).
   */
  write(d: Uint8Array): void {
    const op = d.length > 0 ? d[0] : 0;
    if (this.reporting) {
      if (op === RacpK.OP_ABORT && d.length === 2 && d[1] === RacpK.OPR_NULL) {
        this.linkDown(); // drops the packet being built and any queued responses
        this.respond(RacpK.OP_ABORT, RacpK.RC_SUCCESS);
      } else {
        this.respond(op, RacpK.RC_NOT_COMPLETED); // busy: the running procedure continues
      }
      return;
    }
    if (d.length < 2) {
      this.respond(op, d.length === 0 ||
          !(op === RacpK.OP_REPORT || op === RacpK.OP_DELETE || op === RacpK.OP_ABORT || op === RacpK.OP_REPORT_NUMBER ||
            op === RacpK.OP_ANNOTATE || op === RacpK.OP_NOTIFY_SIZE || op === RacpK.OP_CONFIRM) ? RacpK.RC_OP_NOT_SUPPORTED : RacpK.RC_INVALID_OPERATOR);
      return;
    }
    const opr = d[1];
    let rc: number;
    switch (op) {
      case RacpK.OP_REPORT:
      case RacpK.OP_REPORT_NUMBER: {
        rc = this.bounds(opr, d);
        if (rc !== 0) {
          this.respond(op, rc);
          return;
        }
        try {
          const first = this.nextVisible(this.cursor);
          if (first < 0) {
            if (op === RacpK.OP_REPORT_NUMBER) this.respond(RacpK.NUMBER, 0);
            else this.respond(op, RacpK.RC_NO_RECORDS);
            return;
          }
          if (opr === RacpK.OPR_FIRST) this.last = first;
          if (opr === RacpK.OPR_LAST) {
            const newest = this.host.log.newestSeq();
            this.cursor = newest;
            this.last = newest;
            if (this.nextVisible(newest) < 0) {
              if (op === RacpK.OP_REPORT_NUMBER) this.respond(RacpK.NUMBER, 0);
              else this.respond(op, RacpK.RC_NO_RECORDS);
              return;
            }
          } else {
            this.cursor = first;
          }
          if (op === RacpK.OP_REPORT_NUMBER) {
            let n = 0;
            let s = this.nextVisible(this.cursor);
            while (s >= 0) {
              n++;
              s = s >= this.last ? -1 : this.nextVisible(s + 1);
            }
            this.respond(RacpK.NUMBER, n);
            return;
          }
        } catch (e) {
          this.respond(op, RacpK.RC_NOT_COMPLETED);
          return;
        }
        this.reporting = true;
        this.sent = 0;
        this.pktLen = 0;
        this.pktPos = 0;
        this.pump();
        return;
      }
      case RacpK.OP_DELETE: {
        if (opr === RacpK.OPR_NULL) return this.respond(RacpK.OP_DELETE, RacpK.RC_INVALID_OPERATOR);
        if (opr !== RacpK.OPR_ALL && opr !== RacpK.OPR_LE) {
          return this.respond(RacpK.OP_DELETE, RacpK.RC_OPERATOR_NOT_SUPPORTED); // GLS allows delete by range/first/last; this cap does not
        }
        rc = this.bounds(opr, d);
        if (rc !== 0) return this.respond(RacpK.OP_DELETE, rc);
        try {
          const newest = this.host.log.newestSeq();
          let upTo = this.last === RacpK.NONE ? newest : this.last;
          if (upTo > newest) upTo = newest;
          this.last = upTo;
          if (newest < 0 || this.nextVisible(0) < 0) return this.respond(RacpK.OP_DELETE, RacpK.RC_NO_RECORDS);
          if (!this.host.capConfirmed) return this.respond(RacpK.OP_DELETE, RacpK.RC_NEEDS_CAP);
          rc = this.admit();
          if (rc !== 0) return this.respond(RacpK.OP_DELETE, rc);
          this.host.log.append(RacpK.T_DELETE, 0, Math.floor(this.host.clock.now()) >>> 0, upTo & 0xffff, (upTo >>> 16) & 0xffff);
          this.deletedThrough = upTo;
        } catch (e) {
          return this.respond(RacpK.OP_DELETE, RacpK.RC_NOT_COMPLETED);
        }
        this.host.update(RacpK.UPD_RECORD, 0);
        return this.respond(RacpK.OP_DELETE, RacpK.RC_SUCCESS);
      }
      case RacpK.OP_ABORT:
        if (opr !== RacpK.OPR_NULL) this.respond(op, RacpK.RC_INVALID_OPERATOR);
        else if (d.length !== 2) this.respond(op, RacpK.RC_INVALID_OPERAND);
        else this.respond(op, RacpK.RC_ABORT_UNSUCCESSFUL); // nothing running to abort
        return;
      case RacpK.OP_ANNOTATE: {
        if (opr !== RacpK.OPR_NULL) return this.respond(RacpK.OP_ANNOTATE, RacpK.RC_INVALID_OPERATOR);
        if (d.length !== 7) return this.respond(RacpK.OP_ANNOTATE, RacpK.RC_INVALID_OPERAND);
        const seq = rd32(d, 2);
        const units2 = d[6];
        if (units2 === 0 || units2 === 0xff || seq > 0xffffff) return this.respond(RacpK.OP_ANNOTATE, RacpK.RC_INVALID_OPERAND);
        try {
          this.last = seq;
          if (this.nextVisible(seq) !== seq) return this.respond(RacpK.OP_ANNOTATE, RacpK.RC_NO_RECORDS);
          const t = this.rec[8];
          if (t !== RacpK.T_DOSE && t !== RacpK.T_UNCERTAIN && t !== RacpK.T_CAP_CHECK) return this.respond(RacpK.OP_ANNOTATE, RacpK.RC_INVALID_OPERAND);
          rc = this.admit();
          if (rc !== 0) return this.respond(RacpK.OP_ANNOTATE, rc);
          this.host.log.append(RacpK.T_ANNOTATION, 0, Math.floor(this.host.clock.now()) >>> 0, seq & 0xffff, ((seq >>> 16) & 0xff) | (units2 << 8));
        } catch (e) {
          return this.respond(RacpK.OP_ANNOTATE, RacpK.RC_NOT_COMPLETED);
        }
        this.host.update(RacpK.UPD_RECORD, 0);
        return this.respond(RacpK.OP_ANNOTATE, RacpK.RC_SUCCESS);
      }
      case RacpK.OP_CONFIRM: {
        if (opr !== RacpK.OPR_NULL) return this.respond(op, RacpK.RC_INVALID_OPERATOR);
        if (d.length !== 6) return this.respond(op, RacpK.RC_INVALID_OPERAND);
        // Never past the newest record: an app cannot vouch for records not written yet.
        let c = rd32(d, 2);
        const newest = this.host.log.newestSeq();
        if (c > newest) c = newest;
        if (c > this.synced) this.synced = c;
        return this.respond(op, RacpK.RC_SUCCESS);
      }
      case RacpK.OP_NOTIFY_SIZE:
        if (opr !== RacpK.OPR_NULL) this.respond(op, RacpK.RC_INVALID_OPERATOR);
        else if (d.length !== 3 || d[2] < RacpK.MIN_NOTIFY_SIZE) this.respond(op, RacpK.RC_INVALID_OPERAND);
        else {
          this.mtu = d[2] + 3;
          this.respond(op, RacpK.RC_SUCCESS);
        }
        return;
      default:
        this.respond(op, RacpK.RC_OP_NOT_SUPPORTED);
    }
  }

  /**
   * Parses operator + operand into [cursor, last] (inclusive seq bounds before the delete filter).
   * Returns 0 when fine, else a response code.
   */
  private bounds(opr: number, d: Uint8Array): number {
    const n = d.length;
    if (opr === RacpK.OPR_NULL) return RacpK.RC_INVALID_OPERATOR;
    if (opr > RacpK.OPR_LAST) return RacpK.RC_OPERATOR_NOT_SUPPORTED;
    if (opr === RacpK.OPR_ALL || opr === RacpK.OPR_FIRST || opr === RacpK.OPR_LAST) {
      if (n !== 2) return RacpK.RC_INVALID_OPERAND;
      this.cursor = 0;
      this.last = RacpK.NONE;
      return 0;
    }
    if (n < 3) return RacpK.RC_INVALID_OPERAND;
    if (d[2] !== RacpK.FILTER_SEQ) return RacpK.RC_OPERAND_NOT_SUPPORTED;
    if (opr === RacpK.OPR_RANGE) {
      if (n !== 11) return RacpK.RC_INVALID_OPERAND;
      this.cursor = rd32(d, 3);
      this.last = rd32(d, 7);
      if (this.cursor > this.last) return RacpK.RC_INVALID_OPERAND;
      return 0;
    }
    if (n !== 7) return RacpK.RC_INVALID_OPERAND;
    const v = rd32(d, 3);
    if (opr === RacpK.OPR_LE) {
      this.cursor = 0;
      this.last = v;
    } else {
      this.cursor = v;
      this.last = RacpK.NONE;
    }
    return 0;
  }

  /**
   * May the app append a record now (ANNOTATION, DELETE, TIME_SET, CONFIG_CHANGED)? 0 yes (a token is spent),
   * RC_NOT_SYNCED when the newest `capacity` seqs after this append would not reach back to the first record
   * no app has confirmed (or deleted): it could overwrite a record no phone holds; RC_RATE_LIMITED when the
   * bucket is empty. docs/protocol.md 3.2 "App records".
   */
  admit(): number {
    const now = this.host.clock.now();
    let k = this.tokens + (now - this.tokAt) / RacpK.APP_REFILL_S;
    if (k < this.tokens) k = this.tokens; // a clock that went back refills nothing (and takes nothing)
    if (k > RacpK.APP_BURST) k = RacpK.APP_BURST;
    this.tokens = k;
    this.tokAt = now;
    const base = this.synced > this.deletedThrough ? this.synced : this.deletedThrough;
    if (this.host.log.newestSeq() + RacpK.APP_SLACK - base > this.host.log.capacity) return RacpK.RC_NOT_SYNCED;
    if (k < 1) return RacpK.RC_RATE_LIMITED;
    this.tokens = k - 1;
    return 0;
  }

  /**
   * The ring will overwrite a record no app has confirmed (or deleted) within the next RING_WARN appends: Status
   * alert bit 5, "sync soon" (docs/protocol.md 3.4). After a reset nothing is confirmed yet (synced -1), so a log
   * that old says so until an app confirms again: never silent about records that may be lost.
   */
  syncSoon(): boolean {
    const base = this.synced > this.deletedThrough ? this.synced : this.deletedThrough;
    return this.host.log.newestSeq() - base > this.host.log.capacity - RacpK.RING_WARN;
  }

  /** First visible seq >= s and <= last, or -1. */
  private nextVisible(s: number): number {
    if (this.deletedThrough >= 0 && s <= this.deletedThrough) s = this.deletedThrough + 1;
    if (s > this.last) return -1;
    const got = this.host.log.readFrom(s, this.rec);
    if (got < 0 || got > this.last) return -1;
    return got;
  }

  /**
   * Queues a response and sends what it can: a Response Code (op code 0x06, operand: request op code and
   * response code rc) or, for op === RacpK.NUMBER, a Number of Stored Records response (op code 0x05, operand:
   * the u32 count rc). One method for both (each costs RAM on the cap); NUMBER is above any request op code
   * (a byte), so a client's op can never select it.
   */
  private respond(op: number, rc: number): void {
    if (this.respCount >= RacpK.RESP_SLOTS) return; // full: drop (a client waits for one answer at a time)
    const o = ((this.respHead + this.respCount) % RacpK.RESP_SLOTS) * RacpK.RESP_SIZE;
    const num = op === RacpK.NUMBER;
    this.resp[o] = num ? RacpK.OP_NUMBER_RESPONSE : RacpK.OP_RESPONSE;
    this.resp[o + 1] = RacpK.OPR_NULL;
    wr32(this.resp, o + 2, num ? rc : op | (rc << 8));
    this.resp[o + RacpK.RESP_SIZE - 1] = num ? 6 : 4; // bytes: op code, operator, operand
    this.respCount++;
    this.pump();
  }

  /**
   * Sends what can be sent now: queued responses first, then record notifications, as long as the radio
   * accepts them. Call again when the radio has room (the adapter does so on its pacing timer).
   */
  pump(): void {
    try {
      while (this.respCount > 0) {
        const i = this.respHead;
        const v = this.resp.subarray(i * RacpK.RESP_SIZE, i * RacpK.RESP_SIZE + this.resp[i * RacpK.RESP_SIZE + RacpK.RESP_SIZE - 1]);
        if (!this.host.out(UuidK.CH_RACP, v)) return;
        this.respHead = (i + 1) % RacpK.RESP_SLOTS;
        this.respCount--;
      }
      while (this.reporting) {
        if (this.pktPos >= this.pktLen) {
          // A batch: as many whole packets as the buffer holds (up to 15 records), read in one go. A tick
          // sends several packets (ble.ts perTick): one log read serves them all.
          let k = (this.mtu - 3) >> 4; // / RECORD_SIZE, without a call (each costs time on Espruino)
          if (k < 1) k = 1;
          if (k > RacpK.MAX_PER_PACKET) k = RacpK.MAX_PER_PACKET;
          this.per = k;
          // Straight from the log's pages: its cursor continues where the last batch ended (no search).
          let s = this.cursor;
          if (this.deletedThrough >= 0 && s <= this.deletedThrough) s = this.deletedThrough + 1;
          let n = s > this.last ? 0 : this.host.log.readMany(s, this.pkt, ((RacpK.MAX_PER_PACKET / k) | 0) * k);
          // Records appended after a bounded request's last seq stay out.
          while (n > 0 && (this.pktLast = rd32(this.pkt, (n - 1) * RacpK.RECORD_SIZE)) > this.last) n--;
          if (n === 0) {
            this.reporting = false;
            this.respond(RacpK.OP_REPORT, this.sent > 0 ? RacpK.RC_SUCCESS : RacpK.RC_NO_RECORDS);
            return;
          }
          this.pktLen = n;
          this.pktPos = 0;
          this.cursor = this.pktLast + 1;
        }
        let e = this.pktPos + this.per;
        if (e > this.pktLen) e = this.pktLen;
        if (!this.host.out(UuidK.CH_RECORDS, this.pkt.subarray(this.pktPos * RacpK.RECORD_SIZE, e * RacpK.RECORD_SIZE))) return;
        this.sent += e - this.pktPos;
        this.pktPos = e;
        if (e >= this.pktLen && this.pktLast >= this.last) {
          this.reporting = false;
          this.respond(RacpK.OP_REPORT, RacpK.RC_SUCCESS);
          return;
        }
      }
    } catch (e) {
      // A log failure mid-transfer: end the procedure with "procedure not completed".
      this.reporting = false;
      this.pktLen = 0;
      this.respond(RacpK.OP_REPORT, RacpK.RC_NOT_COMPLETED);
    }
  }
}
