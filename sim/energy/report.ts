// Energy figures for `npm run bench` and docs/power.md: the typical day under a plan, and what each
// firmware choice costs (the day re-run with that one choice changed).
import type { Activity } from "./activity.js";
import { EnergyMeter, type EnergyReport } from "./meter.js";
import { MDBT42Q_MODEL, PUCKJS_MODEL, type EnergyModel } from "./model.js";
import { DAY_SECONDS, typicalDay, type DayPlan } from "./typical-day.js";

export function runTrace(model: EnergyModel, trace: Array<[number, Activity]>, end: number): EnergyReport {
  const m = new EnergyMeter(model);
  m.start(0);
  for (const [t, a] of trace) m.onActivity(t, a);
  return m.finish(end);
}

export function typicalDayReport(plan: DayPlan, board: "MDBT42Q" | "PUCKJS"): EnergyReport {
  return runTrace(board === "PUCKJS" ? PUCKJS_MODEL : MDBT42Q_MODEL, typicalDay(plan, { board }), DAY_SECONDS);
}

export interface ChoiceCost {
  choice: string;
  averageCurrentMicroamps: number;
  deltaMicroamps: number;
  monthsOnCR2032: number;
}

/** The cap board's day with one plan field changed at a time. */
export function choiceCosts(plan: DayPlan): ChoiceCost[] {
  const base = typicalDayReport(plan, "MDBT42Q");
  const variants: Array<[string, Partial<DayPlan>]> = [
    ["chosen plan", {}],
    ["slow advertising 375 ms (Espruino default)", { slowAdvertisingMs: 375 }],
    ["slow advertising 2000 ms", { slowAdvertisingMs: 2000 }],
    ["TX power +4 dBm", { txPowerDbm: 4 }],
    ["TX power -8 dBm", { txPowerDbm: -8 }],
    ["no fast advertising after a dose", { fastAdvertisingMs: 0, fastAdvertisingSeconds: 0 }],
    ["fast advertising 100 ms for 120 s", { fastAdvertisingMs: 100, fastAdvertisingSeconds: 120 }],
    ["sync connection interval 7.5 ms", { syncConnectionIntervalMs: 7.5 }],
    ["health check every 10 s", { healthCheckSeconds: 10 }],
    ["housekeeping tick and temperature every 60 s", { tickSeconds: 60, temperaturePeriodSeconds: 60 }],
    ["no advertising at all (floor)", { slowAdvertisingMs: 0, fastAdvertisingMs: 0 }],
  ];
  return variants.map(([choice, change]) => {
    const r = typicalDayReport({ ...plan, ...change }, "MDBT42Q");
    return {
      choice,
      averageCurrentMicroamps: r.averageCurrentMicroamps,
      deltaMicroamps: r.averageCurrentMicroamps - base.averageCurrentMicroamps,
      monthsOnCR2032: r.monthsOnCR2032,
    };
  });
}
