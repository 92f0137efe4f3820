import { describe, expect, it } from "vitest";
import { NORMAL_PLAN, SAFE_PLAN, HEARTBEAT_MAX_SILENCE_SECONDS, WATCHDOG_TIMEOUT_SECONDS, type PowerPlan } from "../../firmware/power/plan.js";
import { RESET_POWER_ON, RESET_WATCHDOG, SAFE_EXIT_SECONDS, type HistoryStore } from "../../firmware/power/resilience.js";
import { PowerSupervisor, REC_BATTERY_LOW, REC_BOOT, REC_ERROR, REC_SAFE_MODE, type PowerHardware } from "../../firmware/power/supervisor.js";

class MemStore implements HistoryStore {
  bootCount = 0;
  crashes = 0;
  flags = 0;
  commits = 0;
  commit() { this.commits++; }
}

/** A watchdog in virtual time: fires when not kicked for `timeout` seconds. */
class FakeHw implements PowerHardware {
  timeout = 0;
  lastKick = NaN;
  kicks = 0;
  flags: string[] = [];
  volts = 3.0;
  now = 0;
  kick(start: number) { if (start > 0) this.timeout = start; this.lastKick = this.now; this.kicks++; }
  takeErrorFlags() { const f = this.flags; this.flags = []; return f; }
  batteryVolts() { return this.volts; }
  fired(): boolean { return this.timeout > 0 && this.now - this.lastKick > this.timeout; }
}

function setup(store = new MemStore()) {
  const hw = new FakeHw();
  const records: Array<[number, number, number]> = [];
  const plans: Array<[PowerPlan, boolean]> = [];
  const sup = new PowerSupervisor(hw, store, (t, a, b) => { records.push([t, a, b]); }, (p, s) => { plans.push([p, s]); });
  return { hw, records, plans, sup, store };
}

describe("PowerSupervisor", () => {
  it("boot records BOOT, applies the normal plan and starts the watchdog in manual mode", () => {
    const { hw, records, plans, sup } = setup();
    const b = sup.boot(RESET_POWER_ON, 0);
    expect(b.bootCount).toBe(1);
    expect(records).toEqual([[REC_BOOT, RESET_POWER_ON, 1]]);
    expect(plans).toEqual([[NORMAL_PLAN, false]]);
    expect(hw.timeout).toBe(WATCHDOG_TIMEOUT_SECONDS);
  });

  it("a hang of the main logic stops the kicks and the watchdog fires within maxSilence + period + timeout", () => {
    const { hw, sup } = setup();
    sup.boot(RESET_POWER_ON, 0);
    const period = NORMAL_PLAN.healthCheckSeconds;
    const hangAt = 3000;
    let firedAt = -1;
    for (let t = 0; t < 20000 && firedAt < 0; t += 10) {
      hw.now = t;
      if (t < hangAt && t % NORMAL_PLAN.tickSeconds === 0) sup.heartbeat(); // main tick until the hang
      if (t % period === 0) sup.healthTick(t);
      if (hw.fired()) firedAt = t;
    }
    expect(firedAt).toBeGreaterThan(hangAt);
    // the last heartbeat was at 2400 s
    expect(firedAt).toBeLessThanOrEqual(2400 + HEARTBEAT_MAX_SILENCE_SECONDS + period + WATCHDOG_TIMEOUT_SECONDS + 10);
  });

  it.each([["normal", RESET_POWER_ON, 0], ["safe", RESET_WATCHDOG, 3]])("a healthy cap is never reset (%s plan)", (_n, reason, priorCrashes) => {
    const store = new MemStore();
    for (let i = 0; i < priorCrashes; i++) setup(store).sup.boot(RESET_WATCHDOG, 0);
    const { hw, sup } = setup(store);
    sup.boot(reason, 0);
    expect(sup.safeMode).toBe(priorCrashes > 0);
    for (let t = 0; t < 7 * 86400; t += 60) {
      hw.now = t;
      // the main housekeeping tick of the plan in force bumps the heartbeat (no doses, no BLE: worst case)
      if (t % sup.plan.tickSeconds === 0) sup.heartbeat();
      if (t % sup.plan.healthCheckSeconds === 0) sup.healthTick(t);
      expect(hw.fired()).toBe(false);
    }
  });

  it("a fatal error flag stops the kicks at once", () => {
    const { hw, sup } = setup();
    sup.boot(RESET_POWER_ON, 0);
    hw.now = 120; sup.heartbeat(); sup.healthTick(120);
    const kicks = hw.kicks;
    hw.flags = ["CALLBACK"];
    hw.now = 240; sup.heartbeat(); sup.healthTick(240);
    hw.now = 360; sup.heartbeat(); sup.healthTick(360);
    expect(hw.kicks).toBe(kicks);
  });

  it("a crash loop of watchdog resets boots into safe mode, which keeps recording and ends after a quiet period", () => {
    const store = new MemStore();
    for (let i = 0; i < 3; i++) setup(store).sup.boot(RESET_WATCHDOG, 0);
    const { records, plans, sup, hw } = setup(store);
    const b = sup.boot(RESET_WATCHDOG, 0);
    expect(b.safeMode).toBe(true);
    expect(records).toEqual([[REC_BOOT, RESET_WATCHDOG, 4], [REC_SAFE_MODE, 4, 0]]);
    expect(plans).toEqual([[SAFE_PLAN, true]]);
    expect(SAFE_PLAN.buzzer || SAFE_PLAN.blinkCodes || SAFE_PLAN.fastAdvertisingMs > 0).toBe(false);
    hw.now = SAFE_EXIT_SECONDS;
    sup.heartbeat();
    sup.healthTick(SAFE_EXIT_SECONDS);
    expect(plans[plans.length - 1]).toEqual([NORMAL_PLAN, false]);
    expect(sup.safeMode).toBe(false);
  });

  it("uncaught exceptions: ERROR records (rate-limited), safe mode live at the third", () => {
    const { records, plans, sup } = setup();
    sup.boot(RESET_POWER_ON, 0);
    for (let i = 0; i < 20; i++) sup.onUncaught(0x21, 7, 10 + i);
    const errors = records.filter((r) => r[0] === REC_ERROR);
    expect(errors.length).toBe(8);
    expect(errors[0]).toEqual([REC_ERROR, 0x21, 7]);
    expect(records.filter((r) => r[0] === REC_SAFE_MODE)).toEqual([[REC_SAFE_MODE, 3, 0]]);
    expect(plans[plans.length - 1]).toEqual([SAFE_PLAN, true]);
  });

  it("battery: one BATTERY_LOW record per low episode, erase refused below the floor", () => {
    const { hw, records, sup } = setup();
    sup.boot(RESET_POWER_ON, 0);
    for (const v of [2.9, 2.45, 2.45, 2.45, 2.42, 2.41]) { hw.volts = v; sup.batteryTick(); }
    expect(records.filter((r) => r[0] === REC_BATTERY_LOW)).toEqual([[REC_BATTERY_LOW, 2450, 4]]);
    expect(sup.eraseAllowed).toBe(true);
    hw.volts = 2.35; sup.batteryTick();
    expect(sup.eraseAllowed).toBe(false);
    // the floor itself (MIN_ERASE_MV, 2.4 V) still erases, as eraseAllowed() at boot says (battery.test.ts)
    hw.volts = 2.4; sup.batteryTick();
    expect(sup.eraseAllowed).toBe(true);
    hw.volts = 2.399; sup.batteryTick();
    expect(sup.eraseAllowed).toBe(false);
  });

  it("a failing log does not break the supervisor", () => {
    const hw = new FakeHw();
    const sup = new PowerSupervisor(hw, new MemStore(), () => { throw { code: "LOG_FULL", message: "x" }; }, () => {});
    sup.boot(RESET_POWER_ON, 0);
    sup.onUncaught(1, 1, 5);
    expect(sup.lostRecords).toBe(2);
  });
});
