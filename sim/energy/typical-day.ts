// A typical day as an activity trace, for the battery-life estimate before the full simulator runs the
// firmware: four doses, one sync of ~20 records, the advertising plan, temperature sampling and the health
// check. CPU times per callback are estimates (docs/power.md "CPU time per wake-up").
//
// Advertising follows firmware/hw/ble.ts advertise() (docs/protocol.md 4): fast (plan.fastAdvertisingMs) only
// while the pairing window is open, slow otherwise; a dose or a record changes nothing. The window opens for
// 180 s after a power-on reset and for 120 s after the 5-click gesture. A typical day has neither: the power-on
// happens once per battery and a patient makes the gesture only to pair a new phone, so by default the day has no
// window (`pairingWindowSeconds` 0); a day with one is a choice cost (sim/energy/report.ts).
import type { Activity } from "./activity.js";

/** The plan fields the trace needs (structurally the firmware's PowerPlan; sim/ does not import firmware/). */
export interface DayPlan {
  slowAdvertisingMs: number;
  fastAdvertisingMs: number;
  txPowerDbm: number;
  syncConnectionIntervalMs: number;
  tickSeconds: number;
  temperaturePeriodSeconds: number;
  healthCheckSeconds: number;
  blinkCodes: boolean;
  magnetometerHz: number;
}

export interface DayOptions {
  board: "MDBT42Q" | "PUCKJS";
  doseTimes?: number[];       // seconds since midnight
  syncTime?: number;
  syncRecords?: number;
  recordsPerPage?: number;    // for the amortised page erase
  /** Seconds the pairing window is open in the day (fast advertising), from `pairingWindowAt`; default 0 (the
   *  firmware opens it for 180 s after a power-on, 120 s after the gesture). */
  pairingWindowSeconds?: number;
  pairingWindowAt?: number;   // seconds since midnight, default 9:00
}

/** Estimated CPU seconds per JS callback (Espruino interprets the source; small callbacks take a few ms). */
export const CPU_SECONDS = {
  timerTick: 0.003,       // health check or housekeeping tick
  temperature: 0.001,     // E.getTemperature() and the excursion check, on top of a tick
  capEdge: 0.01,          // setWatch callback: state machine step
  doseCommit: 0.03,       // state machine + record encode + log append + advertising update
  syncSetup: 0.15,        // connection, GATT discovery handling, RACP request parsing
  perSyncRecord: 0.01,    // read one record, encode, notify
  magSample: 0.002,       // Puck.js 'mag' event
};

export const DAY_SECONDS = 86400;

export function typicalDay(plan: DayPlan, opts: DayOptions): Array<[number, Activity]> {
  const doses = opts.doseTimes ?? [8 * 3600, 12.5 * 3600, 18.5 * 3600, 22 * 3600];
  const syncAt = opts.syncTime ?? 20 * 3600;
  const syncRecords = opts.syncRecords ?? 20;
  const perPage = opts.recordsPerPage ?? 255;
  const ev: Array<[number, Activity]> = [];
  const slow: Activity = { kind: "advertising", intervalMs: plan.slowAdvertisingMs, txPowerDbm: plan.txPowerDbm };
  ev.push([0, slow]);
  if (opts.board === "PUCKJS" && plan.magnetometerHz > 0) {
    ev.push([0, { kind: "mag", hz: plan.magnetometerHz }]);
    // every magnetometer sample wakes the interpreter
    const samples = DAY_SECONDS * plan.magnetometerHz;
    ev.push([0, { kind: "cpu", seconds: samples * CPU_SECONDS.magSample }]);
  }
  for (let t = plan.healthCheckSeconds; t < DAY_SECONDS; t += plan.healthCheckSeconds) {
    ev.push([t, { kind: "cpu", seconds: CPU_SECONDS.timerTick }]);
  }
  for (let t = plan.tickSeconds; t < DAY_SECONDS; t += plan.tickSeconds) {
    ev.push([t, { kind: "cpu", seconds: CPU_SECONDS.timerTick }]);
  }
  for (let t = plan.temperaturePeriodSeconds; t < DAY_SECONDS; t += plan.temperaturePeriodSeconds) {
    ev.push([t, { kind: "cpu", seconds: CPU_SECONDS.temperature }]);
  }
  let records = 0;
  for (const d of doses) {
    ev.push([d, { kind: "cpu", seconds: CPU_SECONDS.capEdge }]);          // cap off
    const on = d + 30;                                                      // cap back on after the injection
    ev.push([on, { kind: "cpu", seconds: CPU_SECONDS.capEdge + CPU_SECONDS.doseCommit }]);
    ev.push([on, { kind: "flashWrite", words: 5 }]);                        // one record = five word writes
    records++;
    if (plan.blinkCodes) {
      ev.push([on, { kind: "pin", pin: "LED1", on: true }]);
      ev.push([on + 0.2, { kind: "pin", pin: "LED1", on: false }]);
    }
  }
  // the pairing window: fast advertising while it is open (safe mode has fastAdvertisingMs 0: slow throughout)
  const windowS = opts.pairingWindowSeconds ?? 0;
  if (windowS > 0 && plan.fastAdvertisingMs > 0) {
    const at = opts.pairingWindowAt ?? 9 * 3600;
    ev.push([at, { kind: "advertising", intervalMs: plan.fastAdvertisingMs, txPowerDbm: plan.txPowerDbm }]);
    ev.push([at + windowS, slow]);
  }
  // one sync: the app connects, reads ~20 records, the cap disconnects when the transfer is done
  const connSeconds = 3 + (syncRecords * plan.syncConnectionIntervalMs) / 1000;
  ev.push([syncAt, { kind: "advertising", intervalMs: 0, txPowerDbm: plan.txPowerDbm }]);
  ev.push([syncAt, { kind: "connection", intervalMs: plan.syncConnectionIntervalMs }]);
  ev.push([syncAt, { kind: "cpu", seconds: CPU_SECONDS.syncSetup + syncRecords * CPU_SECONDS.perSyncRecord }]);
  ev.push([syncAt + 1, { kind: "radioPackets", count: syncRecords }]);
  ev.push([syncAt + connSeconds, { kind: "connection", intervalMs: 0 }]);
  ev.push([syncAt + connSeconds, slow]);
  // page erases amortised: one 4 KiB page per `perPage` records
  ev.push([DAY_SECONDS - 1, { kind: "flashErase", pages: records / perPage }]);
  ev.sort((a, b) => a[0] - b[0]);
  return ev;
}
