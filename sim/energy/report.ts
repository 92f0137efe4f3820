// Energy figures for `npm run bench` and docs/power.md: the typical day under a plan, and what each
// firmware choice costs (the day re-run with that one choice changed).
import type { Activity } from "./activity.js";
import { EnergyMeter, type EnergyReport } from "./meter.js";
import { MDBT42Q_MODEL, PUCKJS_MODEL, type EnergyModel } from "./model.js";
import { DAY_SECONDS, typicalDay, type DayOptions, type DayPlan } from "./typical-day.js";

export function runTrace(model: EnergyModel, trace: Array<[number, Activity]>, end: number): EnergyReport {
  const m = new EnergyMeter(model);
  m.start(0);
  for (const [t, a] of trace) m.onActivity(t, a);
  return m.finish(end);
}

export function typicalDayReport(plan: DayPlan, board: "MDBT42Q" | "PUCKJS", opts: Omit<DayOptions, "board"> = {}): EnergyReport {
  return runTrace(board === "PUCKJS" ? PUCKJS_MODEL : MDBT42Q_MODEL, typicalDay(plan, { ...opts, board }), DAY_SECONDS);
}

export interface ChoiceCost {
  choice: string;
  averageCurrentMicroamps: number;
  deltaMicroamps: number;
  monthsOnCR2032: number;
}

/** The cap board's day with one plan field (or the day's pairing window) changed at a time. */
export function choiceCosts(plan: DayPlan): ChoiceCost[] {
  const base = typicalDayReport(plan, "MDBT42Q");
  const variants: Array<[string, Partial<DayPlan>, Omit<DayOptions, "board">?]> = [
    ["chosen plan", {}],
    ["slow advertising 375 ms (Espruino default)", { slowAdvertisingMs: 375 }],
    ["slow advertising 2000 ms", { slowAdvertisingMs: 2000 }],
    ["TX power +4 dBm", { txPowerDbm: 4 }],
    ["TX power -8 dBm", { txPowerDbm: -8 }],
    // fast advertising runs only while the pairing window is open (firmware/hw/ble.ts advertise())
    ["a day with a power-on (pairing window 180 s, fast advertising)", {}, { pairingWindowSeconds: 180 }],
    ["a day with the pairing gesture (window 120 s, fast advertising)", {}, { pairingWindowSeconds: 120 }],
    ["a day with the pairing gesture, fast advertising 100 ms", { fastAdvertisingMs: 100 }, { pairingWindowSeconds: 120 }],
    ["sync connection interval 7.5 ms", { syncConnectionIntervalMs: 7.5 }],
    ["health check every 10 s", { healthCheckSeconds: 10 }],
    ["housekeeping tick and temperature every 60 s", { tickSeconds: 60, temperaturePeriodSeconds: 60 }],
    ["no advertising at all (floor)", { slowAdvertisingMs: 0, fastAdvertisingMs: 0 }],
  ];
  return variants.map(([choice, change, day]) => {
    const r = typicalDayReport({ ...plan, ...change }, "MDBT42Q", day);
    return {
      choice,
      averageCurrentMicroamps: r.averageCurrentMicroamps,
      deltaMicroamps: r.averageCurrentMicroamps - base.averageCurrentMicroamps,
      monthsOnCR2032: r.monthsOnCR2032,
    };
  });
}
