import { describe, expect, it } from "vitest";
import { HealthCheck, fatalErrorFlags } from "../../firmware/power/health.js";

describe("HealthCheck", () => {
  it("kicks while the heartbeat moves and stops after maxSilence without it", () => {
    const h = new HealthCheck(300, 0);
    const steps: Array<[number, boolean, boolean]> = [
      // time, heartbeat before the check?, kick?
      [120, true, true],
      [240, false, true],   // 120 s silent
      [360, false, true],   // 240 s
      [480, false, false],  // 360 s > 300: no kick -> the watchdog will fire
      [600, true, true],    // progress again (the watchdog had not fired yet in this test)
    ];
    for (const [t, beat, kick] of steps) {
      if (beat) h.heartbeat();
      expect([t, h.check(t, false)]).toEqual([t, kick]);
    }
  });
  it("never kicks again after a fatal error flag", () => {
    const h = new HealthCheck(300, 0);
    h.heartbeat();
    expect(h.check(10, false)).toBe(true);
    h.heartbeat();
    expect(h.check(20, true)).toBe(false);
    h.heartbeat();
    expect(h.check(30, false)).toBe(false);
  });
  it.each([
    [[], false], [["LOW_MEMORY"], false], [["FIFO_FULL", "BUFFER_FULL", "UART_OVERFLOW"], false],
    [["MEMORY"], true], [["LOW_MEMORY", "CALLBACK"], true],
  ])("fatalErrorFlags(%j) = %s", (flags, fatal) => {
    expect(fatalErrorFlags(flags as string[])).toBe(fatal);
  });
});
