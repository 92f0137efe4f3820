// ERROR records name the place the exception escaped from (docs/protocol.md, ERROR place codes): a callback
// main.ts does not own is 6, the housekeeping tick 3. Through the real bundle in the simulator.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle, TYPE } from "../e2e/harness.js";

describe("ERROR place codes", () => {
  let bundle = "";
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("an exception from a callback main.ts does not own is place 6, after a dose (place 2) was handled", async () => {
    const cap = new Cap(bundle);
    cap.run(30);
    cap.dose(20, 10); // detection marks place 2 and leaves 6 behind
    cap.device.evaluate("setTimeout(function () { throw new Error('stray'); }, 10);");
    cap.run(5);
    const { records } = await capLog(cap);
    const errors = records.filter((r) => r.type === TYPE.ERROR);
    expect(errors.length).toBe(1);
    expect(errors[0].b).toBe(6);
    expect(errors[0].a).toBe(1); // not a firmware error code: INTERNAL
  });
});
