// 5. Hangs: the firmware stops kicking the watchdog → the cap resets (reason watchdog) and its log is intact:
// every record the app acknowledged is still there, byte for byte, and seq continues.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle, TYPE } from "./harness.js";

async function prepared(bundle: string) {
  const cap = new Cap(bundle);
  cap.run(60);
  await cap.appSync();
  for (let i = 0; i < 6; i++) {
    cap.dose(15, 60);
    cap.run(1800);
  }
  await cap.appSync();
  const acked = cap.store().sorted();
  return { cap, acked };
}

async function afterReset(cap: Cap, acked: ReturnType<Cap["store"]>["sorted"] extends () => infer R ? R : never) {
  expect(cap.device.lastResetReason).toBe("watchdog");
  expect(cap.device.bootCount).toBe(2);
  cap.run(120);
  cap.dose(20, 30); // the cap records again
  const log = await capLog(cap);
  expect(log.badChecks).toBe(0);
  const bySeq = new Map(log.records.map((r) => [r.seq, r]));
  for (const r of acked) expect(bySeq.get(r.seq)).toEqual(r);
  const newestAcked = acked[acked.length - 1].seq;
  const after = log.records.filter((r) => r.seq > newestAcked);
  // seq continues without a gap: BOOT (reason 2 = watchdog), ..., the new DOSE
  expect(after.map((r) => r.seq)).toEqual(after.map((_, i) => newestAcked + 1 + i));
  const boot = after.find((r) => r.type === TYPE.BOOT);
  expect(boot?.a).toBe(2);
  expect(boot?.b).toBe(2); // boot counter
  expect(after[after.length - 1].type).toBe(TYPE.DOSE);
  expect(log.status.newestSeq).toBe(after[after.length - 1].seq);
}

describe("watchdog", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("a callback that never returns: reset within the 300 s timeout, log intact", async () => {
    const { cap, acked } = await prepared(bundle);
    const t0 = cap.clock.now();
    let resetAt = -1;
    cap.device.onLifecycle((e) => {
      if (e.kind === "boot" && resetAt < 0) resetAt = cap.clock.now();
    });
    cap.device.evaluate("setTimeout(function () { while (true) {} }, 10)");
    cap.run(320);
    // The manual-mode WDT counts from the last kick (a health check, every 120 s): 180..300 s after the hang.
    expect(resetAt - t0).toBeGreaterThanOrEqual(300 - 120 - 1);
    expect(resetAt - t0).toBeLessThanOrEqual(300 + 1);
    expect(cap.device.errors.map((e) => e.message)).toEqual(["firmware hung: the callback never returned to the idle loop"]);
    await afterReset(cap, acked);
  });

  it("the main logic's timers are gone (no health check): reset, log intact", async () => {
    const { cap, acked } = await prepared(bundle);
    cap.device.evaluate("clearInterval()");
    const t0 = cap.clock.now();
    let resetAt = -1;
    cap.device.onLifecycle((e) => {
      if (e.kind === "boot" && resetAt < 0) resetAt = cap.clock.now();
    });
    cap.run(100);
    expect(resetAt).toBe(-1);
    cap.run(300 + 120 + 5);
    expect(resetAt).toBeGreaterThan(t0);
    expect(resetAt - t0).toBeLessThanOrEqual(300 + 1);
    await afterReset(cap, acked);
    expect(cap.device.errors).toEqual([]);
  });
});
