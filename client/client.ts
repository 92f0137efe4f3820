// The companion-app side of docs/protocol.md over any Transport.
import type { Transport } from "./transport";
import { CONFIG, DIS, DIS_SERIAL, OP, OPERATOR, FILTER_SEQ, ProtocolError, RACP, RC, RECORDS, SERVICE, STATUS, TIME, WRITE_RESULT } from "./protocol";
import { decodeRecord, DoseRecord } from "./record";

export interface Status {
  batteryPercent: number | undefined;
  alerts: { capLeftOff: boolean; temperature: boolean; batteryLow: boolean; logCorruption: boolean; noFlashLog: boolean; syncSoon: boolean };
  alertBits: number;
  count: number;
  newestSeq: number; // -1 when empty
  lastDoseTime: number; // raw device time, 0 none
  oldestSeq: number; // -1 when empty
  deletedThrough: number; // -1 none
}

const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);
const seqOrNone = (v: number) => (v === 0xffffffff ? -1 : v);

export function decodeStatus(b: Uint8Array): Status {
  if (b.length !== 20) throw new ProtocolError(`status is ${b.length} bytes, expected 20`);
  const f = b[1];
  return {
    batteryPercent: b[0] === 0xff ? undefined : b[0],
    alerts: { capLeftOff: !!(f & 1), temperature: !!(f & 2), batteryLow: !!(f & 4), logCorruption: !!(f & 8), noFlashLog: !!(f & 16), syncSoon: !!(f & 32) },
    alertBits: f,
    count: b[2] | (b[3] << 8),
    newestSeq: seqOrNone(u32(b, 4)),
    lastDoseTime: u32(b, 8),
    oldestSeq: seqOrNone(u32(b, 12)),
    deletedThrough: seqOrNone(u32(b, 16)),
  };
}

export interface ReportResult {
  responseCode: number; // RC.success, RC.noRecords, ...
  received: number;
  badChecks: number;
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** ProtocolError code of a request the cap never answered (PenCapClient.timeoutMs). */
export const ERR_TIMEOUT = 0x100;

export class PenCapClient {
  private onRecordPacket: ((d: Uint8Array) => void) | undefined;
  private pending: { resolve: (d: Uint8Array) => void; reject: (e: unknown) => void; op: number } | undefined;
  private cancelTimer: (() => void) | undefined;
  /** A RACP request with no answer (indication) and no record for this long fails with TIMEOUT. An
   *  indication the cap sent is confirmed within a few connection events; a report sends a record at least
   *  every 20 ms tick, so 10 s of silence means the cap or the link is gone. */
  timeoutMs = 10000;
  private connected = false;
  serial = "";

  constructor(readonly transport: Transport) {
    transport.onDisconnect(() => {
      this.connected = false;
      this.arm(false);
      const p = this.pending;
      this.pending = undefined;
      p?.reject(new ProtocolError("link lost"));
    });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async open(): Promise<void> {
    await this.transport.connect();
    this.connected = true;
    this.serial = new TextDecoder().decode(await this.transport.read(DIS, DIS_SERIAL));
    await this.transport.subscribe(SERVICE, RECORDS, (d) => this.onRecordPacket?.(d));
    await this.transport.subscribe(SERVICE, RACP, (d) => this.onRacp(d));
    // The cap starts at 3 records per notification (50 bytes, its largest MTU 53) and falls back to one by
    // itself on a smaller link; announce the size only when the link is larger.
    if (this.transport.mtu > 53) await this.setNotifySize(this.transport.mtu - 3);
  }

  /**
   * Tells the cap how many bytes a notification may carry on this link (ATT_MTU - 3; the cap cannot learn
   * the MTU on Espruino): it then packs floor(size / 16) records (at most 15) per notification. Returns the
   * response code; a cap without the op answers "op code not supported" and keeps one record each, and a
   * refused write (not bonded yet) leaves it at that too.
   */
  async setNotifySize(size: number): Promise<number | undefined> {
    try {
      return PenCapClient.rcOf(await this.racp([OP.notifySize, OPERATOR.null, Math.min(255, size)]));
    } catch (e) {
      if (!this.connected) throw e;
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.transport.disconnect();
  }

  private onRacp(d: Uint8Array): void {
    const p = this.pending;
    if (!p) return;
    // A response code names the request op code; a number response answers 0x04.
    if (d[0] === OP.response && d.length === 4 && d[2] !== p.op) return; // e.g. "busy" for another request
    this.pending = undefined;
    this.arm(false);
    p.resolve(d);
  }

  /** (Re)starts the answer time limit of the pending request, or stops it. */
  private arm(on: boolean): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (!on || !this.transport.timer) return;
    this.cancelTimer = this.transport.timer(this.timeoutMs, () => {
      const p = this.pending;
      this.pending = undefined;
      this.cancelTimer = undefined;
      p?.reject(new ProtocolError(`TIMEOUT: the cap did not answer RACP op 0x${(p?.op ?? 0).toString(16)} within ${this.timeoutMs / 1000} s (link silent; reconnect and ask again)`, ERR_TIMEOUT));
    });
  }

  /** Sends one RACP request and waits for its indication. */
  async racp(req: number[]): Promise<Uint8Array> {
    if (this.pending) throw new ProtocolError("a RACP request is already running");
    const done = new Promise<Uint8Array>((resolve, reject) => (this.pending = { resolve, reject, op: req[0] }));
    try {
      await this.transport.write(SERVICE, RACP, new Uint8Array(req), true);
    } catch (e) {
      this.pending = undefined;
      throw e;
    }
    if (this.pending) this.arm(true);
    return done;
  }

  private static rcOf(d: Uint8Array): number {
    if (d[0] !== OP.response || d.length !== 4) throw new ProtocolError("unexpected RACP answer " + [...d].map((x) => x.toString(16).padStart(2, "0")).join(" "));
    return d[3];
  }

  /**
   * Report stored records (operator + operand as in the RACP), handing each verified record to onRecord as
   * it arrives so nothing received is lost if the link drops.
   */
  async report(operator: number, operand: number[], onRecord: (r: DoseRecord) => void): Promise<ReportResult> {
    let received = 0;
    let badChecks = 0;
    let malformed = false;
    this.onRecordPacket = (d) => {
      // Not whole records: a link that cut the cap's 3-record notification (docs/protocol.md 3.1). The records
      // it lost are holes the sync asks for again, after pinning one record per notification below.
      if (d.length % 16 !== 0) malformed = true;
      if (this.pending) this.arm(true); // progress: the time limit counts from the latest record
      for (let off = 0; off + 16 <= d.length; off += 16) {
        const r = decodeRecord(d, off);
        if (r) {
          received++;
          onRecord(r);
        } else badChecks++;
      }
    };
    try {
      const ans = await this.racp([OP.report, operator, ...operand]);
      this.onRecordPacket = undefined;
      if (malformed) await this.setNotifySize(20);
      return { responseCode: PenCapClient.rcOf(ans), received, badChecks };
    } finally {
      this.onRecordPacket = undefined;
    }
  }
  reportAll(on: (r: DoseRecord) => void) {
    return this.report(OPERATOR.all, [], on);
  }
  reportFrom(seq: number, on: (r: DoseRecord) => void) {
    return this.report(OPERATOR.ge, [FILTER_SEQ, ...le32(seq)], on);
  }
  reportRange(lo: number, hi: number, on: (r: DoseRecord) => void) {
    return this.report(OPERATOR.range, [FILTER_SEQ, ...le32(lo), ...le32(hi)], on);
  }

  async count(): Promise<number> {
    const d = await this.racp([OP.reportNumber, OPERATOR.all]);
    if (d[0] !== OP.numberResponse || d.length !== 6) throw new ProtocolError("expected a number response", PenCapClient.rcOf(d));
    return u32(d, 2);
  }

  /** Deletes every stored record with seq <= `through` (or all); returns the RACP response code. */
  async deleteThrough(through: number | "all"): Promise<number> {
    const d = await this.racp(through === "all" ? [OP.delete, OPERATOR.all] : [OP.delete, OPERATOR.le, FILTER_SEQ, ...le32(through)]);
    return PenCapClient.rcOf(d);
  }

  async annotate(seq: number, units: number): Promise<number> {
    const u2 = Math.round(units * 2);
    if (u2 < 1 || u2 > 0xfe) throw new RangeError("units must be 0.5 .. 127");
    return PenCapClient.rcOf(await this.racp([OP.annotate, OPERATOR.null, ...le32(seq), u2]));
  }

  /** Tells the cap this app holds every record with seq <= `through` (RACP 0xA3): app records may then go
   *  into the ring up to it (docs/protocol.md 3.2 "App records"). Returns the RACP response code. */
  async confirmReceived(through: number): Promise<number> {
    return PenCapClient.rcOf(await this.racp([OP.confirm, OPERATOR.null, ...le32(through)]));
  }

  async abort(): Promise<number> {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(new ProtocolError("aborted"));
    return PenCapClient.rcOf(await this.racp([OP.abort, OPERATOR.null]));
  }

  async readStatus(): Promise<Status> {
    return decodeStatus(await this.transport.read(SERVICE, STATUS));
  }

  async readTime(): Promise<{ time: number; isSet: boolean; lastResult: number }> {
    const b = await this.readBack(TIME, 6);
    return { time: u32(b, 0), isSet: !!(b[4] & 1), lastResult: b[5] };
  }

  /** Sets the cap's clock (Unix seconds, UTC); resolves with the write result read back. */
  async setTime(unixSeconds: number): Promise<number> {
    await this.transport.write(SERVICE, TIME, new Uint8Array(le32(Math.floor(unixSeconds))), true);
    return (await this.readTime()).lastResult;
  }

  async readConfig(): Promise<{ lastResult: number; badOffset: number; bytes: Uint8Array }> {
    const b = await this.readBack(CONFIG, 30);
    return { lastResult: b[0], badOffset: b[1], bytes: b.slice(2) };
  }

  /**
   * Reads a characteristic the app writes, once the cap has handled the write (docs/protocol.md 3.6): the
   * SoftDevice answers the write at once and keeps the written bytes as the value until the firmware's handler,
   * run later from Espruino's event queue, puts its own in — so a read right after a write can return the
   * app's own bytes. Those have another length than the cap's value: read again every 50 ms, up to 3 s.
   */
  private async readBack(ch: string, len: number): Promise<Uint8Array> {
    for (let tries = 0; ; tries++) {
      const b = await this.transport.read(SERVICE, ch);
      if (b.length === len) return b;
      if (tries >= 60) throw new ProtocolError(`TIMEOUT: the cap did not answer the write (read ${b.length} bytes, expected ${len}); reconnect and try again`, ERR_TIMEOUT);
      const t = this.transport;
      await new Promise<void>((resolve) => (t.timer ? t.timer(50, resolve) : setTimeout(resolve, 50)));
    }
  }

  /** Writes the 28-byte config block: in one packet when the link carries it (ATT_MTU >= 31), else as two
   *  15-byte halves `c1` + bytes 0..13, `c2` + bytes 14..27 (docs/protocol.md 3.5: Espruino refuses long
   *  writes, and a phone that never exchanged the MTU has 20 bytes per write). */
  async writeConfig(bytes: Uint8Array): Promise<{ result: number; badOffset: number }> {
    if (bytes.length === 28 && this.transport.mtu - 3 < 28) {
      for (const [tag, from] of [[0xc1, 0], [0xc2, 14]]) {
        const half = new Uint8Array(15);
        half[0] = tag;
        half.set(bytes.subarray(from, from + 14), 1);
        await this.transport.write(SERVICE, CONFIG, half, true);
      }
    } else await this.transport.write(SERVICE, CONFIG, bytes, true);
    const c = await this.readConfig();
    return { result: c.lastResult, badOffset: c.badOffset };
  }
}

export { RC, WRITE_RESULT };
