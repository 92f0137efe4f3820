// Corruption met by a read after boot (a bit flipped in a stored record) is reported with a LOG_CORRUPTION
// record (a = 0xFFFF: found by a read) at the next housekeeping tick, which checks what the sync read, and the Status log alert is raised
// (docs/log-format.md "Recovery", docs/protocol.md record types). Through the real bundle in the simulator.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle, recordOffsetInFlash } from "../e2e/harness.js";

const LOG_CORRUPTION = 0x0b;

describe("corruption found by a read after boot", () => {
  let bundle = "";
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("is logged once as LOG_CORRUPTION(a = 0xFFFF) and raises the log alert", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    for (let i = 0; i < 3; i++) cap.dose(20, 600);
    const before = await capLog(cap);
    const dose = before.records.find((r) => r.type === 0x01)!;
    // Find the dose's 16 bytes in flash and flip one bit of its time field.
    const flash = cap.device.flash.bytes;
    const at = recordOffsetInFlash(cap, dose);
    expect(at).toBeGreaterThanOrEqual(0);
    flash[at + 4] ^= 0x01;

    const read = await capLog(cap); // this read meets the bad slot
    // The cap sends records without checking them (docs/protocol.md 3.2): the app's check refuses this one.
    expect(read.records.some((r) => r.seq === dose.seq)).toBe(false);
    expect(read.badChecks).toBe(1);
    expect(read.status.alertBits & 8).toBe(0); // not known yet: reported at the tick
    cap.run(700); // one housekeeping tick
    const after = await capLog(cap);
    const rep = after.records.filter((r) => r.type === LOG_CORRUPTION);
    expect(rep.length).toBe(1);
    expect(rep[0].a).toBe(0xffff);
    expect(rep[0].b).toBe(1);
    expect(after.status.alertBits & 8).toBe(8);
    cap.run(700); // no new corruption met: no second record
    const later = await capLog(cap);
    expect(later.records.filter((r) => r.type === LOG_CORRUPTION).length).toBe(1);
  });
});
