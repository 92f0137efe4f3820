// An in-memory central with the simulator central's API (client/sim-transport.ts SimCentralLike) that runs
// the pure firmware engine: end-to-end tests without NRF. Time is virtual: one "connection event" per
// macrotask, notificationsPerEvent packets per event.
import { BleEngine, readChar } from "../../firmware/ble/engine";
import { CH_BATTERY, CH_CONFIG, CH_RACP, CH_RECORDS, CH_STATUS, CH_TIME } from "../../firmware/ble/uuids";
import { access, OP_SUBSCRIBE } from "../../firmware/ble/security";
import type { SimCentralLike } from "../../client/sim-transport";
import { FakeClock, MemLog, MemStore } from "../ble/fake-log";
import * as P from "../../client/protocol";

export class FakeCap {
  readonly log: MemLog;
  readonly clock: FakeClock;
  readonly store = new MemStore();
  readonly engine: BleEngine;
  private windowOpen = false;
  /** The pairing window (the 5-click gesture): bonds allowed, and the engine takes writes that need the cap in
   *  hand (a clock jump over 15 min, an alert switched off), as firmware/hw/ble.ts sets engine.capConfirmed. */
  get pairingOpen(): boolean {
    return this.windowOpen;
  }
  set pairingOpen(open: boolean) {
    this.windowOpen = open;
    this.engine.capConfirmed = open;
  }
  /** Radio model shared with the central while connected. */
  radio: { budget: number; outbox: { ch: number; data: Uint8Array }[]; up: boolean; mtu: number } = { budget: 0, outbox: [], up: false, mtu: 23 };
  constructor(readonly serial: string, log = new MemLog(), clock = new FakeClock(1764003800)) {
    this.log = log;
    this.clock = clock;
    const radio = () => this.radio;
    const send = (ch: number, data: Uint8Array) => {
      const r = radio();
      // As the SoftDevice: a notification longer than the link's MTU - 3 is refused (DATA_SIZE) and the
      // adapter (firmware/hw/ble.ts) makes the RACP fall back to one record per notification.
      if (r.up && ch === CH_RECORDS && data.length > r.mtu - 3) {
        this.engine.racp.notifyRefused();
        return false;
      }
      if (!r.up || r.budget <= 0) return false;
      r.budget--;
      r.outbox.push({ ch, data: data.slice() });
      return true;
    };
    this.engine = new BleEngine({ log, clock, store: this.store, send });
  }
}

const CH: Record<string, number> = { [P.RECORDS]: CH_RECORDS, [P.RACP]: CH_RACP, [P.TIME]: CH_TIME, [P.STATUS]: CH_STATUS, [P.CONFIG]: CH_CONFIG, [P.BAS_LEVEL]: CH_BATTERY };

export class FakeCentral implements SimCentralLike {
  mtu = 23;
  bonded = false;
  events = 0;
  packets = 0;
  /** Drop the link after this many delivered Dose Records notifications (Infinity: never). */
  dropAfterRecordPackets = Infinity;
  /** Lose (never deliver) these Dose Records notification indexes, counted from connect. */
  losePackets = new Set<number>();
  private recordPackets = 0;
  private perEvent = 4;
  private subs = new Map<number, (d: Uint8Array) => void>();
  private disconnectCbs: (() => void)[] = [];
  private scheduled = false;
  constructor(readonly cap: FakeCap) {}

  async connect(o: { mtu: number; bonded: boolean; intervalMs: number; notificationsPerEvent: number }): Promise<void> {
    this.mtu = o.mtu;
    this.bonded = o.bonded;
    this.perEvent = o.notificationsPerEvent;
    this.subs.clear();
    this.recordPackets = 0;
    this.cap.radio = { budget: 0, outbox: [], up: true, mtu: Math.min(Math.max(23, o.mtu), 53) };
    this.cap.engine.link(53); // as the adapter: 3 records per notification until the link refuses them
    this.cap.engine.trusted = o.bonded;
  }
  async pair(_o: { passkey?: string }): Promise<void> {
    if (!this.cap.pairingOpen) throw { attError: 0x05, reason: "pairing not allowed" };
    this.bonded = true;
    this.cap.engine.trusted = true;
  }
  async disconnect(): Promise<void> {
    this.down();
  }
  dropLink(): void {
    this.down();
  }
  private down(): void {
    if (!this.cap.radio.up) return;
    this.cap.radio.up = false;
    this.cap.radio.outbox = [];
    this.cap.engine.link(0);
    for (const cb of this.disconnectCbs) cb();
  }
  onDisconnect(cb: () => void): void {
    this.disconnectCbs.push(cb);
  }
  async read(service: string, char: string): Promise<Uint8Array> {
    if (!this.cap.radio.up) throw new Error("not connected");
    if (service === P.DIS && char === P.DIS_SERIAL) return new TextEncoder().encode(this.cap.serial);
    const v = readChar(this.cap.engine, CH[char]);
    if (typeof v === "number") throw { attError: v };
    return v.slice();
  }
  async write(_s: string, char: string, data: Uint8Array, _o: { withResponse: boolean }): Promise<void> {
    if (!this.cap.radio.up) throw new Error("not connected");
    const att = this.cap.engine.write(CH[char], data);
    this.schedule();
    if (att) throw { attError: att };
  }
  async subscribe(_s: string, char: string, onValue: (d: Uint8Array) => void): Promise<void> {
    const ch = CH[char];
    const e = access(ch, OP_SUBSCRIBE, this.bonded, this.bonded);
    if (e) throw { attError: e };
    this.subs.set(ch, onValue);
  }
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.event());
  }
  /** One connection event: the cap may send perEvent packets, which are delivered in order. */
  private event(): void {
    this.scheduled = false;
    const r = this.cap.radio;
    if (!r.up) return;
    this.events++;
    r.budget = this.perEvent;
    this.cap.engine.racp.pump();
    const out = r.outbox;
    r.outbox = [];
    const full = r.budget === 0;
    r.budget = 0; // the event is over: nothing more goes out until the next one
    for (const p of out) {
      if (!r.up) return;
      this.packets++;
      if (p.ch === CH_RECORDS) {
        const i = this.recordPackets++;
        if (this.losePackets.has(i)) continue;
        this.subs.get(p.ch)?.(p.data);
        if (this.recordPackets >= this.dropAfterRecordPackets) {
          this.dropLink();
          return;
        }
      } else this.subs.get(p.ch)?.(p.data);
    }
    if (full) this.schedule();
  }
}
