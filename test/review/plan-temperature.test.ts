// Review: docs/power.md (Wiring, main.ts) — the plan callback must switch the temperature period too: safe mode
// samples hourly (SAFE_PLAN), normal mode every 600 s. main.ts's applyPlan() changed only BLE and the indicator.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, firmwareBundle } from "../e2e/harness.js";

/** Counts E.getTemperature() calls from now on (detection reads it through the global at call time). */
function countTemperatureReads(cap: Cap): () => number {
  cap.device.evaluate(
    "global.__tReads = 0; var __g = E.getTemperature; E.getTemperature = function () { global.__tReads++; return __g.call(E); };"
  );
  return () => cap.device.evaluate("global.__tReads") as number;
}

describe("review: temperature period follows the power plan", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("entering safe mode live: temperature sampled hourly, not every 600 s", () => {
    const cap = new Cap(bundle);
    cap.run(60);
    for (let i = 0; i < 3; i++) {
      cap.device.evaluate(`setTimeout(function () { throw { code: "TEST", message: "injected ${i}" }; }, 10)`);
      cap.run(60);
    }
    expect(cap.device.output.some((l) => l.text.includes("safe mode"))).toBe(true);
    const reads = countTemperatureReads(cap);
    cap.run(6 * 3600 - 600); // still inside safe mode (it ends after 6 h without a crash)
    // hourly: about 5; every 600 s would be about 33
    expect(reads()).toBeLessThanOrEqual(7);
    expect(reads()).toBeGreaterThanOrEqual(4);
  });

  it("normal mode: every 600 s (control)", () => {
    const cap = new Cap(bundle);
    cap.run(60);
    const reads = countTemperatureReads(cap);
    cap.run(6000);
    expect(reads()).toBeGreaterThanOrEqual(9);
  });
});
