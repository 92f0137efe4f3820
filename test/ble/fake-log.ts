// In-memory stand-in for DoseLog (docs/architecture.md Log API) for the pure BLE engine's tests.
import type { LogPort, ConfigStore, Clock } from "../../firmware/ble/ports";
import { CH_RACP, CH_RECORDS } from "../../firmware/ble/uuids";
import { encodeRecord } from "../../client/record";

export class MemLog implements LogPort {
  recs: Uint8Array[] = [];
  nextSeq = 0;
  failAppend = false;
  failReadAfter = -1; // throw on the n-th readFrom from now (-1 never)
  constructor(public capacity = 100000) {}
  append(type: number, flags: number, time: number, a: number, b: number): number {
    if (this.failAppend) throw { code: "LOG_VERIFY", message: "test: append fails" };
    const seq = this.nextSeq++;
    this.recs.push(encodeRecord({ seq, time, type, flags, a, b }));
    if (this.recs.length > this.capacity) this.recs.shift(); // the ring overwrote the oldest
    return seq;
  }
  /** A slot lost to corruption: the seq is consumed but no record exists. */
  hole(): void {
    this.nextSeq++;
  }
  private seqAt(i: number): number {
    const r = this.recs[i];
    return (r[0] | (r[1] << 8) | (r[2] << 16) | (r[3] << 24)) >>> 0;
  }
  readFrom(seq: number, out: Uint8Array): number {
    if (this.failReadAfter === 0) throw { code: "LOG_READ", message: "test: read fails" };
    if (this.failReadAfter > 0) this.failReadAfter--;
    let lo = 0;
    let hi = this.recs.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (this.seqAt(m) < seq) lo = m + 1;
      else hi = m;
    }
    if (lo >= this.recs.length) return -1;
    out.set(this.recs[lo]);
    return this.seqAt(lo);
  }
  readMany(seq: number, out: Uint8Array, max: number): number {
    let n = 0;
    const one = new Uint8Array(16);
    while (n < max) {
      const got = this.readFrom(seq, one);
      if (got < 0) break;
      out.set(one, n++ * 16);
      seq = got + 1;
    }
    return n;
  }
  count(): number {
    return this.recs.length;
  }
  oldestSeq(): number {
    return this.recs.length ? this.seqAt(0) : -1;
  }
  newestSeq(): number {
    return this.recs.length ? this.seqAt(this.recs.length - 1) : -1;
  }
  snapshot(): string {
    return this.recs.map((r) => Buffer.from(r).toString("hex")).join(",") + "/" + this.nextSeq;
  }
}

export class MemStore implements ConfigStore {
  bytes: Uint8Array | undefined;
  failSave = false;
  saves = 0;
  load(): Uint8Array | undefined {
    return this.bytes ? this.bytes.slice() : undefined;
  }
  save(b: Uint8Array): void {
    if (this.failSave) throw { code: "CONFIG_STORE", message: "test: save fails" };
    this.saves++;
    this.bytes = b.slice();
  }
}

export class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  set(u: number): void {
    this.t = u;
  }
}

export interface Packet {
  kind: "N" | "I";
  ch: number;
  data: Uint8Array;
}

/**
 * Records what the engine sends; `room` packets accepted before it reports a full queue (Infinity: never).
 * `send` is the engine's Send (ports.ts): an indication on the RACP, a notification elsewhere, as the NRF
 * adapter does.
 */
export class CaptureSender {
  packets: Packet[] = [];
  room = Infinity;
  /** Longest Dose Records notification the link carries (ATT_MTU - 3); a longer one is refused (DATA_SIZE)
   *  and onRefused runs, as the NRF adapter tells the RACP (firmware/hw/ble.ts). */
  maxRecords = Infinity;
  onRefused: (() => void) | null = null;
  send = (ch: number, data: Uint8Array): boolean => {
    if (ch === CH_RECORDS && data.length > this.maxRecords) {
      if (this.onRefused) this.onRefused();
      return false;
    }
    if (this.room <= 0) return false;
    this.room--;
    this.packets.push({ kind: ch === CH_RACP ? "I" : "N", ch, data: data.slice() });
    return true;
  };
  take(): Packet[] {
    const p = this.packets;
    this.packets = [];
    return p;
  }
}

export const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");
export const unhex = (s: string) => new Uint8Array(s.trim() === "" ? [] : s.trim().split(/\s+/).map((x) => parseInt(x, 16)));
