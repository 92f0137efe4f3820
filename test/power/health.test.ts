import { describe, expect, it } from "vitest";
import { HEARTBEAT_MAX_SILENCE_SECONDS } from "../../firmware/power/plan.js";
import type { HistoryStore } from "../../firmware/power/resilience.js";
import { PowerSupervisor } from "../../firmware/power/supervisor.js";

// The health check lives in PowerSupervisor (heartbeat / healthTick): driven here on its own.
class MemStore implements HistoryStore {
  bootCount = 0;
  crashes = 0;
  flags = 0;
  commits = 0;
  commit() { this.commits++; }
}

function health() {
  const hw = {
    kicked: false,
    flags: [] as string[],
    kick() { hw.kicked = true; },
    takeErrorFlags() { const f = hw.flags; hw.flags = []; return f; },
    batteryVolts() { return NaN; },
  };
  const sup = new PowerSupervisor(hw, new MemStore(), () => {}, () => {});
  sup.boot(0, 0);
  /** One health tick at `t` (with E.getErrorFlags() reporting `flags`, or MEMORY when `fatal`): did it kick? */
  const check = (t: number, fatal: boolean, flags?: string[]): boolean => {
    if (fatal) hw.flags = ["MEMORY"];
    if (flags) hw.flags = flags;
    hw.kicked = false;
    sup.healthTick(t);
    return hw.kicked;
  };
  return { sup, check };
}

describe("health check", () => {
  it("kicks while the heartbeat moves and stops after maxSilence without it", () => {
    const { sup, check } = health();
    const M = HEARTBEAT_MAX_SILENCE_SECONDS;
    const steps: Array<[number, boolean, boolean]> = [
      // time, heartbeat before the check?, kick?
      [120, true, true],
      [120 + M / 2, false, true],
      [120 + M, false, true],       // exactly maxSilence silent: still kicks
      [121 + M, false, false],      // more than maxSilence: no kick -> the watchdog will fire
      [200 + M, true, true],        // progress again (the watchdog had not fired yet in this test)
    ];
    for (const [t, beat, kick] of steps) {
      if (beat) sup.heartbeat();
      expect([t, check(t, false)]).toEqual([t, kick]);
    }
  });
  it("never kicks again after a fatal error flag", () => {
    const { sup, check } = health();
    sup.heartbeat();
    expect(check(10, false)).toBe(true);
    sup.heartbeat();
    expect(check(20, true)).toBe(false);
    sup.heartbeat();
    expect(check(30, false)).toBe(false);
  });
  it("a clock change is not taken for silence", () => {
    const { sup, check } = health();
    sup.heartbeat();
    expect(check(10, false)).toBe(true);
    sup.timeShift(100000);
    expect(check(100020, false)).toBe(true);
  });
  it.each([
    [[], false], [["LOW_MEMORY"], false], [["FIFO_FULL", "BUFFER_FULL", "UART_OVERFLOW"], false],
    [["MEMORY"], true], [["LOW_MEMORY", "CALLBACK"], true],
  ])("error flags %j fatal: %s", (flags, fatal) => {
    // fatal: no kick at this check nor at any later one, although the heartbeat moves
    const { sup, check } = health();
    sup.heartbeat();
    expect(check(10, false, flags as string[])).toBe(!fatal);
    sup.heartbeat();
    expect(check(20, false)).toBe(!fatal);
  });
});
