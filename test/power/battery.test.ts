import { describe, expect, it } from "vitest";
import { LOW_CLEAR_MV, LOW_SET_MV, MIN_ERASE_MV, eraseAllowed, writeAllowed } from "../../firmware/power/battery.js";
import { PowerSupervisor } from "../../firmware/power/supervisor.js";

/** The battery monitor inside PowerSupervisor: update(volts) = one housekeeping reading of that voltage. */
function monitor() {
  let volts = NaN;
  const hw = { kick() {}, takeErrorFlags: () => [] as string[], batteryVolts: () => volts };
  const sup = new PowerSupervisor(hw, { bootCount: 0, crashes: 0, flags: 0, commit() {} }, () => {}, () => {});
  return {
    status: sup,
    update(v: number) {
      volts = v;
      return sup.batteryTick();
    },
  };
}

/** The state of charge of one reading of `volts` on a fresh monitor. */
function batteryPercent(volts: number): number {
  return monitor().update(volts).percent;
}

describe("state of charge (CR2032 under load)", () => {
  it.each([
    [3.3, 100], [3.0, 100], [2.975, 95], [2.95, 90], [2.9, 70], [2.875, 58], [2.85, 45], [2.8, 30],
    [2.75, 23], [2.7, 15], [2.6, 10], [2.5, 5], [2.35, 3], [2.2, 0], [1.9, 0],
  ])("%f V -> %d %%", (v, p) => {
    expect(batteryPercent(v)).toBe(p);
  });
  it("is monotonic", () => {
    let prev = -1;
    for (let mv = 1800; mv <= 3400; mv += 5) {
      const p = batteryPercent(mv / 1000);
      expect(p).toBeGreaterThanOrEqual(prev);
      prev = p;
    }
  });
  it("reports 0xFF for an unknown voltage", () => {
    expect(batteryPercent(NaN)).toBe(0xff);
  });
});

describe("flash voltage floors", () => {
  it.each([
    [2.39, false, true], [2.4, true, true], [2.2, false, true], [2.0, false, true], [1.99, false, false], [NaN, true, true], [3.0, true, true],
  ])("%f V: erase %s, write %s", (v, erase, write) => {
    expect(eraseAllowed(v)).toBe(erase);
    expect(writeAllowed(v)).toBe(write);
  });
  it("keeps the erase floor below the low-battery warning", () => {
    expect(MIN_ERASE_MV).toBeLessThan(LOW_SET_MV);
  });
});

describe("battery monitor: low flag with hysteresis", () => {
  it("sets after three low readings, once, and clears only above the clear threshold", () => {
    const m = monitor();
    const trace: Array<[number, boolean, boolean]> = [
      // volts, low, becameLow
      [2.9, false, false],
      [2.5, false, false],
      [2.49, false, false],
      [2.6, false, false],   // a recovered reading restarts the count
      [2.5, false, false],
      [2.5, false, false],
      [2.45, true, true],    // third in a row
      [2.4, true, false],    // no second record
      [2.6, true, false],    // recovery after a pulse: still low (hysteresis)
      [2.64, true, false],
      [LOW_CLEAR_MV / 1000, false, false],
      [2.5, false, false],
    ];
    for (const [v, low, became] of trace) {
      const s = m.update(v);
      expect([v, s.low, s.becameLow]).toEqual([v, low, became]);
    }
  });
  it("fills millivolts, percent and eraseAllowed, and ignores unknown readings", () => {
    const m = monitor();
    const s = m.update(2.1);
    expect(s.millivolts).toBe(2100);
    expect(s.percent).toBe(0);
    expect(s.eraseAllowed).toBe(false);
    m.update(NaN);
    expect(m.status.millivolts).toBe(2100);
    expect(m.status.eraseAllowed).toBe(true);
  });
});
