// Corruption that mount() finds (a flipped bit in a record of the head page) is recorded at boot as
// LOG_CORRUPTION(a = the page, b = bad slots) and raises the log alert (docs/log-format.md "Recovery"). Through
// the real bundle in the simulator. Kills the mutant "corruption found at mount not recorded" (issue 14).
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle, recordOffsetInFlash } from "../e2e/harness.js";

const LOG_CORRUPTION = 0x0b;

describe("corruption found at mount", () => {
  let bundle = "";
  beforeAll(async () => {
    bundle = await firmwareBundle();
  }, 60_000);

  it("is recorded at the boot with its page, before any read meets it", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    for (let i = 0; i < 3; i++) cap.dose(20, 60);
    const before = await capLog(cap);
    const dose = before.records.filter((r) => r.type === 0x01)[1];
    const flash = cap.device.flash.bytes;
    const at = recordOffsetInFlash(cap, dose);
    expect(at).toBeGreaterThanOrEqual(0);
    flash[at + 4] ^= 0x01; // a bit of its time field
    cap.device.reboot("software");
    cap.run(10);
    const after = await capLog(cap);
    const rep = after.records.filter((r) => r.type === LOG_CORRUPTION);
    expect(rep.length).toBeGreaterThanOrEqual(1);
    expect(rep[0].a).not.toBe(0xffff); // found by mount: the page index, not "found by a read"
    expect(rep[0].b).toBeGreaterThanOrEqual(1);
    expect(after.status.alertBits & 8).toBe(8);
  });
});
