// 6. Crash loops (docs/power.md): 3 crashes without a 15-minute crash-free run between them put the cap in safe
// mode (a SAFE_MODE record); a dose after that is still recorded and synced.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle, TYPE } from "./harness.js";

describe("crash loop → safe mode", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("three uncaught exceptions within minutes: SAFE_MODE, then a dose is recorded and synced", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    await cap.appSync();
    const base = cap.store().newestHeld();
    for (let i = 0; i < 3; i++) {
      cap.device.evaluate(`setTimeout(function () { throw { code: "TEST", message: "injected ${i}" }; }, 10)`);
      cap.run(60);
      const safe = cap.device.output.some((l) => l.text.includes("safe mode"));
      expect(safe).toBe(i === 2); // not before the third
    }
    // the firmware's handler got every one (nothing uncaught printed), and the cap did not reboot
    expect(cap.device.errors.map((e) => e.handled)).toEqual([true, true, true]);
    expect(cap.device.bootCount).toBe(1);
    cap.run(600);
    cap.dose(25, 30);
    await cap.appSync();
    const after = cap.store().sorted().filter((r) => r.seq > base);
    const types = after.map((r) => r.type);
    expect(types.filter((t) => t === TYPE.ERROR)).toHaveLength(3);
    const safe = after.filter((r) => r.type === TYPE.SAFE_MODE);
    expect(safe).toHaveLength(1);
    expect(safe[0].a).toBe(3);
    const dose = after.filter((r) => r.type === TYPE.DOSE);
    expect(dose).toHaveLength(1);
    expect(dose[0].seq).toBeGreaterThan(safe[0].seq);
    expect(dose[0].a).toBeGreaterThanOrEqual(24);
    expect(dose[0].a).toBeLessThanOrEqual(26);
  });

  it("three watchdog resets within minutes: boots into safe mode; a dose is still recorded and synced", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    await cap.appSync();
    const base = cap.store().newestHeld();
    for (let i = 0; i < 3; i++) {
      cap.device.evaluate("clearInterval()"); // the health check is gone: no more kicks
      cap.run(310);
      expect(cap.device.bootCount).toBe(2 + i);
      expect(cap.device.lastResetReason).toBe("watchdog");
      cap.run(5);
    }
    cap.run(600);
    cap.dose(25, 3);
    // safe mode: no fast advertising after a dose (the control test below sees it on a normal cap)
    expect(cap.radio.radio.advertisingIntervalMs()).toBeGreaterThanOrEqual(1000);
    cap.run(27);
    const log = await capLog(cap);
    const after = log.records.filter((r) => r.seq > base);
    const boots = after.filter((r) => r.type === TYPE.BOOT);
    expect(boots.map((r) => r.a)).toEqual([2, 2, 2]);
    const safe = after.filter((r) => r.type === TYPE.SAFE_MODE);
    expect(safe).toHaveLength(1);
    expect(safe[0].a).toBe(3);
    expect(safe[0].seq).toBeGreaterThan(boots[2].seq);
    const dose = after.filter((r) => r.type === TYPE.DOSE);
    expect(dose).toHaveLength(1);
    expect(dose[0].seq).toBeGreaterThan(safe[0].seq);
    // and the patient's app gets it too
    await cap.appSync();
    expect(cap.store().records.get(dose[0].seq)).toEqual(dose[0]);
  });

  it("control: a normal cap advertises fast while its pairing window is open (never after a dose: docs/protocol.md 4)", async () => {
    const cap = new Cap(bundle);
    cap.run(10);
    expect(cap.radio.radio.advertisingIntervalMs()).toBeLessThan(1000);
    cap.run(600);
    cap.dose(25, 3);
    expect(cap.radio.radio.advertisingIntervalMs()).toBeGreaterThan(1000);
  });
});
