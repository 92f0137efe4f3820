// Item 5/8 on the app's side: doses dated on the cap's relative clock stay datable across a soft or watchdog
// reset (the clock survives them), through the real bundle and the app's wall-time reconstruction
// (client/timeline.ts). A power-on still starts a new clock: its doses are dated only by a TIME_SET of their own.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, firmwareBundle, START_UNIX, TYPE } from "../e2e/harness.js";
import { reconstruct } from "../../client/timeline.js";

let bundle: string;
beforeAll(async () => {
  bundle = await firmwareBundle();
});

for (const reason of ["software", "watchdog"] as const) {
  it(`a dose before a ${reason} reset and before any sync gets its wall time from the later TIME_SET`, async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    const off = cap.clock.now();
    cap.dose(20, 10); // relative clock
    cap.run(600);
    cap.device.reboot(reason);
    cap.run(600);
    await cap.appSync();
    const recs = cap.store().sorted();
    const dose = recs.find((r) => r.type === TYPE.DOSE)!;
    const w = reconstruct(recs).get(dose.seq)!;
    expect(w.source).toBe("reconstructed");
    expect(Math.abs(w.wall! - (START_UNIX + off))).toBeLessThanOrEqual(2);
  });
}

it("control: a dose before a power-on (battery out) and no sync stays undated, never misdated", async () => {
  const cap = new Cap(bundle);
  cap.run(60);
  const off = cap.clock.now();
  cap.dose(20, 10);
  cap.run(600);
  cap.device.removeBattery();
  cap.device.insertBattery();
  cap.run(600);
  await cap.appSync();
  const recs = cap.store().sorted();
  const dose = recs.find((r) => r.type === TYPE.DOSE)!;
  const times = reconstruct(recs);
  // No wall time (the power-on the dose belongs to was never dated, and the 600 s before the battery came out
  // left no record); only bounded: not after the next power-on began, which the sync's clock setting dates (to
  // ±2 s, the whole seconds of a reconstructed time) — and the true time is inside.
  const w = times.get(dose.seq)!;
  const boot2 = recs.find((r) => r.type === TYPE.BOOT && r.seq > dose.seq)!;
  const bootWall = times.get(boot2.seq)!.wall!;
  expect(w).toEqual({ wall: undefined, source: "undatable", powerOn: 0, notAfter: w.notAfter });
  expect(w.notAfter!).toBeGreaterThanOrEqual(START_UNIX + off);
  expect(w.notAfter!).toBeLessThanOrEqual(bootWall - boot2.time + 3);
  expect(times.get(boot2.seq)!.powerOn).toBe(1);
});
