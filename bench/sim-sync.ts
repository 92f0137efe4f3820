// Sync figures measured on the simulator (issue 7, item 7): dist/firmware.js runs in a SimDevice with the BLE
// radio of sim/integration.ts (CapRadio); the companion-app client (client/) pulls records over SimTransport.
// Every figure is read from the run: virtual time from the device clock, connection events and notifications
// from radio.stats(). The log is filled on the device through the firmware's own DoseLog (bench/fill-log.ts,
// evaluated in the device), then the device reboots so the firmware mounts the filled log.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { SimDevice } from "../sim/device.js";
import { CapRadio } from "../sim/integration.js";
import { SimTransport } from "../client/sim-transport.js";
import { PenCapClient } from "../client/client.js";
import { RecordStore } from "../client/store.js";
import { sync } from "../client/sync.js";
import { fillLogScript } from "./prelude.js";

export interface Transfer {
  records: number;
  seconds: number;
  connectionEvents: number;
  notifications: number;
  recordsPerNotification: number;
  connectionIntervalMs: number | null;
}

const PHONE = { intervalMs: 30, notificationsPerEvent: 4 }; // as sim/app.ts connects

function bootDevice(radio: CapRadio, bundle: string): SimDevice {
  // The bundle is installed in Storage as .bootcde and booted from there, as flash.sh does; the cap on its own
  // interpreter build (the stock MDBT42Q has no flash left for the log: boards/measured.json).
  const d = new SimDevice({ board: "PENCAP", seed: 1, bundle, nrf: radio.factory });
  d.setCap(true);
  d.powerOn();
  d.clock.advance(5);
  return d;
}

async function measure<T>(d: SimDevice, radio: CapRadio, records: () => number, work: () => Promise<T>): Promise<Transfer> {
  const t0 = d.clock.now();
  const s0 = radio.radio.stats();
  await d.clock.settle(work());
  const s1 = radio.radio.stats();
  const n = records();
  const notes = s1.notificationsSent - s0.notificationsSent;
  return {
    records: n,
    seconds: round(d.clock.now() - t0),
    connectionEvents: s1.connectionEvents - s0.connectionEvents,
    notifications: notes,
    recordsPerNotification: notes ? round(n / notes) : 0,
    connectionIntervalMs: radio.radio.connectionIntervalMs(),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** 1,000 records pulled (RACP "within range") at one MTU, on a cap whose log holds >= 1,000 records. */
async function thousandAt(mtu: number, bundle: string, fill: string): Promise<Transfer & { mtuNegotiated: number | null; logRecords: number }> {
  const radio = new CapRadio();
  const d = bootDevice(radio, bundle);
  d.evaluate(fill);
  d.reboot("software");
  d.clock.advance(5);
  const boot = d.output.map((l) => l.text).filter((t) => t.startsWith("pencap: boot")).pop() ?? "";
  const logRecords = Number(/log (\d+) records/.exec(boot)?.[1] ?? NaN);
  const central = radio.central();
  const client = new PenCapClient(new SimTransport(central as never, { mtu, bonded: true, ...PHONE }));
  await d.clock.settle(client.open());
  d.clock.advance(2); // past the connection parameter update
  const mtuInUse = central.mtu;
  const status = await d.clock.settle(client.readStatus());
  const lo = status.newestSeq - 999;
  let got = 0;
  const t = await measure(d, radio, () => got, () => client.reportRange(lo, status.newestSeq, () => got++));
  await d.clock.settle(client.close());
  if (d.errors.length) throw new Error(`firmware error during the sync: ${d.errors[0].message}`);
  if (got !== 1000) throw new Error(`MTU ${mtu}: ${got} records arrived, not 1000`);
  return { ...t, mtuNegotiated: mtuInUse, logRecords };
}

/** A first full sync, then a simulated day (4 doses), then the incremental sync of that day. */
async function day(bundle: string, fill: string): Promise<{ first: Transfer; incremental: Transfer; session: Transfer; doses: number }> {
  const radio = new CapRadio();
  const d = bootDevice(radio, bundle);
  d.evaluate(fill);
  d.reboot("software");
  d.clock.advance(5);
  const central = radio.central();
  const client = new PenCapClient(new SimTransport(central as never, { mtu: 23, bonded: true, ...PHONE }));
  const store = new RecordStore("bench");
  await d.clock.settle(client.open());
  let r = { received: 0 };
  const first = await measure(d, radio, () => r.received, async () => (r = await sync(client, store)));
  await d.clock.settle(client.close());
  // One day: doses at 08:00, 12:30, 18:00, 22:00 (cap off 40 s each), housekeeping as the firmware runs it.
  const start = d.clock.now();
  for (const h of [8, 12.5, 18, 22]) {
    d.clock.runUntil(start + h * 3600);
    d.setCap(false);
    d.clock.advance(40);
    d.setCap(true);
  }
  d.clock.runUntil(start + 24 * 3600);
  let inc = { received: 0 };
  const session = await measure(d, radio, () => inc.received, async () => {
    await client.open();
    inc = await sync(client, store);
    await client.close();
  });
  // The same day's records once more, sync() alone on an open link (no connect/disconnect).
  await d.clock.settle(client.open());
  const from = store.newestHeld() - inc.received + 1;
  let again = 0;
  const incremental = await measure(d, radio, () => again, () => client.reportFrom(from, () => again++));
  await d.clock.settle(client.close());
  if (d.errors.length) throw new Error(`firmware error during the day: ${d.errors[0].message}`);
  const lost = store.gaps().filter((g) => g.kind === "missing" || g.kind === "unconfirmed");
  if (lost.length) throw new Error(`the app's store has gaps after the syncs: ${JSON.stringify(lost)}`);
  if (again !== inc.received) throw new Error(`the day's records: ${inc.received} in the session, ${again} on the second pull`);
  const doses = [...store.records.values()].filter((x) => x.seq >= from && x.type === 0x01).length;
  return { first, incremental, session, doses };
}

export async function simSyncBench(bundlePath = "dist/firmware.js"): Promise<Record<string, number | string>> {
  process.env.TZ = "UTC";
  const bundle = readFileSync(bundlePath, "utf8");
  const fill1000 = await fillLogScript(1000, 1764000000);
  const out: Record<string, number | string> = {};
  for (const mtu of [23, 53]) {
    const t = await thousandAt(mtu, bundle, fill1000);
    const p = `1000 records, phone asks MTU ${mtu}`;
    out[`${p}: ATT MTU in use (phone's view)`] = `${t.mtuNegotiated} bytes`;
    out[`${p}: time`] = `${t.seconds} s`;
    out[`${p}: connection events`] = `${t.connectionEvents} events`;
    out[`${p}: notifications`] = `${t.notifications} notifications (${t.recordsPerNotification} records each)`;
    out[`${p}: connection interval`] = `${t.connectionIntervalMs} ms`;
  }
  const dd = await day(bundle, fill1000);
  out["first sync of the whole log (sync(), MTU 23): records"] = `${dd.first.records} records`;
  out["first sync of the whole log: time"] = `${dd.first.seconds} s`;
  out["first sync of the whole log: connection events"] = `${dd.first.connectionEvents} events`;
  out["one day later (4 doses): records new since the last sync"] = `${dd.incremental.records} records (${dd.doses} doses)`;
  out["incremental sync of that day, transfer only (RACP >= seq): time"] = `${dd.incremental.seconds} s`;
  out["incremental sync of that day, transfer only: connection events"] = `${dd.incremental.connectionEvents} events`;
  out["incremental sync of that day, whole session (connect, sync(), disconnect): time"] = `${dd.session.seconds} s`;
  out["incremental sync of that day, whole session: connection events"] = `${dd.session.connectionEvents} events`;
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const f = await simSyncBench();
  for (const [k, v] of Object.entries(f)) console.log(`${k}: ${v}`);
}
