// The bundle as flash.sh uploads it: into Storage as .bootcde, booted from there.
import { describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle, TYPE } from "./harness.js";

describe("installed bundle", () => {
  it("fits the MDBT42Q Storage, boots from .bootcde and records a dose", async () => {
    const bundle = await firmwareBundle();
    const cap = new Cap(bundle, { installBundle: true });
    expect(cap.device.errors).toEqual([]);
    cap.run(60);
    cap.dose(20, 30);
    const log = await capLog(cap);
    expect(log.records.map((r) => r.type)).toContain(TYPE.DOSE);
  });
});
