import { describe, expect, it } from "vitest";
import { EnergyMeter } from "../../sim/energy/meter.js";
import { ADV_EVENT_0DBM_UC, CR2032_MAH, HOURS_PER_MONTH, MDBT42Q_MODEL, PUCKJS_MODEL, magMicroampsPuckV2, txMilliamps } from "../../sim/energy/model.js";
import { DAY_SECONDS, typicalDay } from "../../sim/energy/typical-day.js";
import { NORMAL_PLAN, SAFE_PLAN } from "../../firmware/power/plan.js";

describe("energy model figures", () => {
  it("anchors an advertising event on Espruino's 20 uA at 375 ms", () => {
    expect(ADV_EVENT_0DBM_UC).toBeCloseTo(6.375, 6);
    expect(MDBT42Q_MODEL.advEventMicrocoulombs(0)).toBeCloseTo(6.375, 6);
  });
  it.each([
    [-40, 4.1], [-20, 5.6], [0, 7.1], [4, 7.1 * 7.5 / 5.3], [8, 7.1 * 7.5 / 5.3],
  ])("TX current at %d dBm is %f mA", (dbm, ma) => {
    expect(txMilliamps(dbm)).toBeCloseTo(ma, 6);
  });
  it.each([[0, 0], [0.08, 8], [0.63, 8], [1.25, 17], [10, 137], [80, 900]])("magnetometer at %f Hz costs %d uA", (hz, ua) => {
    expect(magMicroampsPuckV2(hz)).toBe(ua);
  });
});

describe("EnergyMeter known answers", () => {
  it("1 h of sleep on the MDBT42Q is 5 uAh", () => {
    const m = new EnergyMeter(MDBT42Q_MODEL);
    m.start(0);
    const r = m.finish(3600);
    expect(r.chargeMicroampHours).toBeCloseTo(5, 9);
    expect(r.averageCurrentMicroamps).toBeCloseTo(5, 9);
    expect(r.monthsOnCR2032).toBeCloseTo((CR2032_MAH * 1000) / 5 / HOURS_PER_MONTH, 9);
  });

  it("1 h of sleep + 3600 advertising events at 0 dBm is 5 + 6.375 uAh", () => {
    const m = new EnergyMeter(MDBT42Q_MODEL);
    m.onActivity(0, { kind: "advertising", intervalMs: 1000, txPowerDbm: 0 });
    const r = m.finish(3600);
    expect(r.byActivity.advertising).toBeCloseTo(3600 * 6.375 / 3600, 9);
    expect(r.chargeMicroampHours).toBeCloseTo(11.375, 9);
    expect(r.monthsOnCR2032).toBeCloseTo(225000 / 11.375 / 730.5, 9); // 27.08 months
  });

  it("stopping advertising and a connection window are integrated piecewise", () => {
    const m = new EnergyMeter(PUCKJS_MODEL);
    m.onActivity(0, { kind: "advertising", intervalMs: 500, txPowerDbm: 0 });       // 100 s -> 200 events
    m.onActivity(100, { kind: "advertising", intervalMs: 0, txPowerDbm: 0 });
    m.onActivity(100, { kind: "connection", intervalMs: 30 });                       // 3 s -> 100 events
    m.onActivity(103, { kind: "connection", intervalMs: 0 });
    m.onActivity(103, { kind: "radioPackets", count: 10 });
    const r = m.finish(200);
    expect(r.byActivity.advertising * 3600).toBeCloseTo(200 * 6.375, 6);
    expect(r.byActivity.connection * 3600).toBeCloseTo(100 * 3.0, 6);
    expect(r.byActivity.radioPackets * 3600).toBeCloseTo(10 * 4.3, 6);
    expect(r.byActivity.sleep * 3600).toBeCloseTo(200 * 3, 6);
  });

  it("counts CPU, flash, pins and the magnetometer (Puck.js)", () => {
    const m = new EnergyMeter(PUCKJS_MODEL);
    m.onActivity(0, { kind: "cpu", seconds: 1 });                 // 4 mA x 1 s = 4000 uC
    m.onActivity(0, { kind: "flashErase", pages: 1 });            // 85 ms x 4 mA = 340 uC
    m.onActivity(0, { kind: "flashWrite", words: 1000 });         // 1000 x 67.5 us x 4 mA = 270 uC
    m.onActivity(0, { kind: "pin", pin: "LED1", on: true });
    m.onActivity(10, { kind: "pin", pin: "LED1", on: false });    // 2 mA x 10 s = 20000 uC
    m.onActivity(10, { kind: "pin", pin: "D7", on: true });       // a plain GPIO costs nothing
    m.onActivity(0 + 10, { kind: "mag", hz: 10 });                // 137 uA
    const r = m.finish(3610);                                     // 3600 s of mag
    expect(r.byActivity.cpu * 3600).toBeCloseTo(4000, 6);
    expect(r.byActivity.flashErase * 3600).toBeCloseTo(340, 6);
    expect(r.byActivity.flashWrite * 3600).toBeCloseTo(270, 6);
    expect(r.byActivity.pins * 3600).toBeCloseTo(20000, 6);
    expect(r.byActivity.mag).toBeCloseTo(137, 6);
  });

  it("rejects time going backwards", () => {
    const m = new EnergyMeter(PUCKJS_MODEL);
    m.onActivity(10, { kind: "cpu", seconds: 0 });
    expect(() => m.onActivity(5, { kind: "cpu", seconds: 0 })).toThrow(/backwards/);
  });
});

describe("typical day on the cap board (MDBT42Q)", () => {
  function run(plan = NORMAL_PLAN) {
    const m = new EnergyMeter(MDBT42Q_MODEL);
    for (const [t, a] of typicalDay(plan, { board: "MDBT42Q" })) m.onActivity(t, a);
    return m.finish(DAY_SECONDS);
  }
  it("meets the 18-month target on 225 mAh, also with 15% derating", () => {
    const r = run();
    expect(r.averageCurrentMicroamps).toBeGreaterThan(11);
    expect(r.averageCurrentMicroamps).toBeLessThan(12);
    expect(r.monthsOnCR2032).toBeGreaterThanOrEqual(18);
    expect(r.monthsOnCR2032 * 0.85).toBeGreaterThanOrEqual(18);
  });
  it("safe mode costs no more than normal mode", () => {
    expect(run(SAFE_PLAN).averageCurrentMicroamps).toBeLessThanOrEqual(run().averageCurrentMicroamps);
  });
  // The firmware advertises fast only while the pairing window is open (firmware/hw/ble.ts advertise(),
  // docs/protocol.md 4), never after a dose: the day's advertising is the slow interval alone.
  it("charges no fast advertising for doses, only for an open pairing window", () => {
    const trace = typicalDay(NORMAL_PLAN, { board: "MDBT42Q" });
    const intervals = trace.flatMap(([, a]) => (a.kind === "advertising" ? [a.intervalMs] : []));
    expect(intervals).not.toContain(NORMAL_PLAN.fastAdvertisingMs);
    // 86400 s / 1.0225 s events x 6.375 uC x 12/7 (LDO) = 6.2345 uA
    expect(run().byActivity.advertising * 3600 / DAY_SECONDS).toBeCloseTo(6.2345, 3);
    const m = new EnergyMeter(MDBT42Q_MODEL);
    for (const [t, a] of typicalDay(NORMAL_PLAN, { board: "MDBT42Q", pairingWindowSeconds: 180 })) m.onActivity(t, a);
    // 180 s at 211.25 ms instead of 1022.5 ms: (852.07 - 176.04) events x 10.93 uC / 86400 s = +0.0499 uA
    expect(m.finish(DAY_SECONDS).averageCurrentMicroamps - run().averageCurrentMicroamps).toBeCloseTo(0.0499, 3);
  });
});
