// Sync figures measured on the simulator (issue 15): dist/firmware.js runs in a SimDevice with the BLE radio of
// sim/integration.ts (CapRadio: connection events, the SoftDevice's 7 TX buffers, silent drops when they are
// full, 8 events before a new connection interval starts); every firmware callback advances the device's
// clock by its CPU time on an nRF52 (sim/cpu.ts, calibrated on the 2v29 interpreter), at both ends of the
// factor's range (NRF52_MS_PER_UNIT). The companion-app client (client/) pulls records over SimTransport and
// asks again for any hole a dropped notification left (loss-safe: each record exactly once in its store).
// Every figure is read from the run: virtual time, radio.stats(), the energy meter (sim/energy/).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { SimDevice } from "../sim/device.js";
import { CapRadio } from "../sim/integration.js";
import { SimTransport, type SimConnectOptions } from "../client/sim-transport.js";
import { PenCapClient } from "../client/client.js";
import { RecordStore } from "../client/store.js";
import { sync } from "../client/sync.js";
import { RC } from "../client/protocol.js";
import { EnergyMeter } from "../sim/energy/meter.js";
import { MDBT42Q_MODEL } from "../sim/energy/model.js";
import { NRF52_MS_PER_UNIT } from "../sim/cpu.js";
import { fillLogScript } from "./prelude.js";

/** A phone: how it connects and answers the cap's connection parameter requests (sim/ble/central.ts). */
interface Phone {
  name: string;
  intervalMs: number;
  minIntervalMs: number;
  notificationsPerEvent: number;
  grants: "keep" | "min";
}
export const PHONES: Phone[] = [
  // keeps its 30 ms inside the cap's 15-30 ms request (iOS often does); 4 packets per event
  { name: "phone A (keeps 30 ms, 4 packets/event)", intervalMs: 30, minIntervalMs: 15, notificationsPerEvent: 4, grants: "keep" },
  // grants the request's minimum, 15 ms (the shortest Apple allows; Androids too); 6 packets per event
  { name: "phone B (grants 15 ms, 6 packets/event)", intervalMs: 30, minIntervalMs: 7.5, notificationsPerEvent: 6, grants: "min" },
];
const TX_BUFFERS = 7; // CapRadio's txBuffers (docs/sim-ble.md)

/** SimTransport with the phone's full connect options (the interval policy is the simulator's). */
class PhoneTransport extends SimTransport {
  constructor(central: unknown, opts: SimConnectOptions, private readonly phone: Phone) {
    super(central as never, opts);
  }
  override async connect(): Promise<void> {
    const c = this.central as unknown as { connect(o: object): Promise<void> };
    await c.connect({ mtu: this.opts.mtu, bonded: this.opts.bonded, intervalMs: this.phone.intervalMs, notificationsPerEvent: this.phone.notificationsPerEvent, minIntervalMs: this.phone.minIntervalMs, grants: this.phone.grants });
  }
}

function bootDevice(radio: CapRadio, bundle: string, msPerUnit: number): SimDevice {
  // The bundle is installed in Storage as .bootcde and booted from there, as flash.sh does; the cap on its own
  // interpreter build (the stock MDBT42Q has no flash left for the log: boards/measured.json).
  const d = new SimDevice({ board: "PENCAP", seed: 1, bundle, nrf: radio.factory, cpuMsPerUnit: msPerUnit });
  d.setCap(true);
  d.powerOn();
  d.clock.advance(5);
  return d;
}

function round(x: number, d = 3): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

export interface Transfer {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** min(TX buffers, packets the phone takes per event) x records per notification / interval */
  radioBound: number;
  intervalMs: number;
  notifications: number;
  recordsPerNotification: number;
  dropped: number;
  requests: number;
  cpuSeconds: number;
  chargeMicroAh: number;
}

/** Asks for [lo, hi], then again for each hole until every record arrived (or 10 rounds). */
async function fetchRange(client: PenCapClient, lo: number, hi: number, have: Set<number>): Promise<number> {
  let requests = 0;
  for (let round = 0; round < 10; round++) {
    const missing: Array<[number, number]> = [];
    for (let s = lo; s <= hi; s++) {
      if (have.has(s)) continue;
      const last = missing[missing.length - 1];
      if (last && last[1] === s - 1) last[1] = s;
      else missing.push([s, s]);
    }
    if (missing.length === 0) return requests;
    // one request from the first hole to the last (records already held are dropped by seq)
    requests++;
    const r = await client.reportRange(missing[0][0], missing[missing.length - 1][1], (rec) => have.add(rec.seq));
    if (r.responseCode !== RC.success) throw new Error(`report ended with response code ${r.responseCode}`);
  }
  throw new Error("records still missing after 10 requests");
}

/** 1,000 records pulled (RACP "within range", then any hole again) at one MTU, factor and phone. */
async function thousand(bundle: string, fill: string, mtu: number, msPerUnit: number, phone: Phone): Promise<Transfer> {
  const radio = new CapRadio();
  const d = bootDevice(radio, bundle, msPerUnit);
  d.evaluate(fill);
  d.reboot("software");
  d.clock.advance(5);
  const central = radio.central();
  const client = new PenCapClient(new PhoneTransport(central, { mtu, bonded: true, intervalMs: phone.intervalMs, notificationsPerEvent: phone.notificationsPerEvent }, phone));
  await d.clock.settle(client.open());
  d.clock.advance(2); // past the connection parameter update of the connect
  const status = await d.clock.settle(client.readStatus());
  const lo = status.newestSeq - 999;
  const have = new Set<number>();
  const meter = new EnergyMeter(MDBT42Q_MODEL);
  let cpu = 0;
  meter.start(d.clock.now());
  const off = d.onActivity((t, a) => {
    meter.onActivity(t, a);
    if (a.kind === "cpu") cpu += a.seconds;
  });
  const t0 = d.clock.now();
  const s0 = radio.radio.stats();
  const requests = await d.clock.settle(fetchRange(client, lo, status.newestSeq, have));
  const t1 = d.clock.now();
  const s1 = radio.radio.stats();
  const iv = radio.radio.connectionIntervalMs() ?? NaN; // still the transfer's (a new one takes 8 events)
  const e = meter.finish(t1);
  off();
  await d.clock.settle(client.close());
  if (d.errors.length) throw new Error(`firmware error during the sync: ${d.errors[0].message}`);
  if (have.size !== 1000) throw new Error(`MTU ${mtu}: ${have.size} records arrived, not 1000`);
  const notes = s1.notificationsSent - s0.notificationsSent;
  const perNote = Math.floor((Math.min(mtu, 53) - 3) / 16) || 1;
  const seconds = t1 - t0;
  return {
    records: have.size,
    seconds: round(seconds),
    recordsPerSecond: Math.round(1000 / seconds),
    radioBound: Math.round((Math.min(TX_BUFFERS, phone.notificationsPerEvent) * perNote) / (iv / 1000)),
    intervalMs: iv,
    notifications: notes,
    recordsPerNotification: round(1000 / notes, 2),
    dropped: s1.notificationsDropped - s0.notificationsDropped,
    requests,
    cpuSeconds: round(cpu),
    chargeMicroAh: round(e.chargeMicroampHours, 2),
  };
}

/** CPU time and charge of the 4 hours after a 1,000-record sync (the housekeeping ticks check what it sent:
 *  DoseLog.verifyRead), less the same 4 hours of an identical cap that did not sync. */
async function deferredCheck(bundle: string, fill: string, msPerUnit: number): Promise<{ cpuSeconds: number; chargeMicroAh: number }> {
  const run = async (syncFirst: boolean) => {
    const radio = new CapRadio();
    const d = bootDevice(radio, bundle, msPerUnit);
    d.evaluate(fill);
    d.reboot("software");
    d.clock.advance(5);
    if (syncFirst) {
      const phone = PHONES[0];
      const client = new PenCapClient(new PhoneTransport(radio.central(), { mtu: 53, bonded: true, intervalMs: phone.intervalMs, notificationsPerEvent: phone.notificationsPerEvent }, phone));
      await d.clock.settle(client.open());
      const st = await d.clock.settle(client.readStatus());
      await d.clock.settle(fetchRange(client, st.newestSeq - 999, st.newestSeq, new Set<number>()));
      await d.clock.settle(client.close());
    }
    d.clock.advance(60); // past the link
    const meter = new EnergyMeter(MDBT42Q_MODEL);
    let cpu = 0;
    const t0 = d.clock.now();
    meter.start(t0);
    const off = d.onActivity((t, a) => {
      meter.onActivity(t, a);
      if (a.kind === "cpu") cpu += a.seconds;
    });
    d.clock.advance(4 * 3600);
    off();
    if (d.errors.length) throw new Error(`firmware error after the sync: ${d.errors[0].message}`);
    return { cpu, charge: meter.finish(d.clock.now()).chargeMicroampHours };
  };
  const a = await run(true);
  const b = await run(false);
  return { cpuSeconds: round(a.cpu - b.cpu), chargeMicroAh: round(a.charge - b.charge, 2) };
}

interface Session {
  advertisingWait: number;
  connected: number;
  records: number;
  events: number;
  chargeMicroAh: number;
}

/** A day of 4 doses after a first full sync, then the daily session: connect, encrypt (the bond), read Status,
 *  fetch the day's records, disconnect. The wait for the cap's advertisement is reported apart. */
async function daily(bundle: string, fill: string, msPerUnit: number, phone: Phone, mtu: number): Promise<Session> {
  const radio = new CapRadio();
  const d = bootDevice(radio, bundle, msPerUnit);
  d.evaluate(fill);
  d.reboot("software");
  d.clock.advance(5);
  const central = radio.central();
  const client = new PenCapClient(new PhoneTransport(central, { mtu, bonded: true, intervalMs: phone.intervalMs, notificationsPerEvent: phone.notificationsPerEvent }, phone));
  const store = new RecordStore("bench");
  await d.clock.settle(client.open());
  await d.clock.settle(sync(client, store));
  await d.clock.settle(client.close());
  const start = d.clock.now();
  for (const h of [8, 12.5, 18, 22]) {
    d.clock.runUntil(start + h * 3600);
    d.setCap(false);
    d.clock.advance(40);
    d.setCap(true);
  }
  d.clock.runUntil(start + 24 * 3600);
  let opened = NaN;
  let closed = NaN;
  const meter = new EnergyMeter(MDBT42Q_MODEL);
  const off = d.onActivity((t, a) => {
    if (a.kind === "connection" && a.intervalMs > 0 && Number.isNaN(opened)) {
      opened = t;
      meter.start(t);
    }
    if (a.kind === "connection" && a.intervalMs === 0 && !Number.isNaN(opened) && Number.isNaN(closed)) closed = t;
    if (!Number.isNaN(opened) && Number.isNaN(closed)) meter.onActivity(t, a);
  });
  const t0 = d.clock.now();
  const s0 = radio.radio.stats();
  let got = { received: 0, complete: false };
  await d.clock.settle((async () => {
    await client.open();
    got = await sync(client, store);
    await client.close();
  })());
  const s1 = radio.radio.stats();
  off();
  if (d.errors.length) throw new Error(`firmware error during the day: ${d.errors[0].message}`);
  if (!got.complete) throw new Error("the daily sync did not complete");
  const lost = store.gaps().filter((g) => g.kind === "missing" || g.kind === "unconfirmed");
  if (lost.length) throw new Error(`the app's store has gaps after the syncs: ${JSON.stringify(lost)}`);
  return {
    advertisingWait: round(opened - t0),
    connected: round(closed - opened),
    records: got.received,
    events: s1.connectionEvents - s0.connectionEvents,
    chargeMicroAh: round(meter.finish(closed).chargeMicroampHours, 2),
  };
}

export async function simSyncBench(bundlePath = "dist/firmware.js"): Promise<Record<string, number | string>> {
  process.env.TZ = "UTC";
  const bundle = readFileSync(bundlePath, "utf8");
  const fill1000 = await fillLogScript(1000, 1764000000);
  const out: Record<string, number | string> = {};
  const factors: Array<[string, number]> = [["fast end", NRF52_MS_PER_UNIT.low], ["slow end", NRF52_MS_PER_UNIT.high]];
  for (const mtu of [53, 23]) {
    for (const phone of PHONES) {
      for (const [fname, f] of factors) {
        const t = await thousand(bundle, fill1000, mtu, f, phone);
        const p = `1,000 records, MTU ${mtu}, ${phone.name}, CPU ${f} ms/unit (${fname})`;
        out[`${p}: time`] = `${t.seconds} s`;
        out[`${p}: records/s, against the radio's bound`] = `${t.recordsPerSecond} of ${t.radioBound} records/s (interval ${t.intervalMs} ms, ${t.recordsPerNotification} records/notification)`;
        out[`${p}: notifications dropped (full TX buffers) / RACP requests`] = `${t.dropped} dropped, ${t.requests} request${t.requests > 1 ? "s" : ""}`;
        out[`${p}: CPU time / charge of the transfer`] = `${t.cpuSeconds} s CPU, ${t.chargeMicroAh} µAh`;
      }
    }
  }
  for (const [fname, f] of factors) {
    const v = await deferredCheck(bundle, fill1000, f);
    const p = `the cap's own check of the 1,000 records sent, afterwards (DoseLog.verifyRead, 64 per 600 s housekeeping tick), CPU ${f} ms/unit (${fname})`;
    out[`${p}: extra CPU time / charge over 4 hours, against a cap that did not sync`] = `${v.cpuSeconds} s CPU, ${v.chargeMicroAh} µAh`;
  }
  for (const phone of PHONES) {
    for (const [fname, f] of factors) {
      const s = await daily(bundle, fill1000, f, phone, 23);
      const p = `daily sync (4 doses), ${phone.name}, MTU 23, CPU ${f} ms/unit (${fname})`;
      out[`${p}: connected (connect, encrypt, Status, records, disconnect)`] = `${s.connected} s`;
      out[`${p}: advertising wait before it (1,022.5 ms advertising)`] = `${s.advertisingWait} s`;
      out[`${p}: records / connection events / charge while connected`] = `${s.records} records, ${s.events} events, ${s.chargeMicroAh} µAh`;
    }
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const f = await simSyncBench();
  for (const [k, v] of Object.entries(f)) console.log(`${k}: ${v}`);
}
