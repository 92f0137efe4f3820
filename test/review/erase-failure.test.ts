// Review: a log page that no longer erases (worn flash; FlashStore.erase throws LOG_VERIFY) made main.ts's
// housekeeping tick throw from log.maintain() before power.heartbeat(): with no dose for 25 min the health check
// stopped kicking and the watchdog rebooted the cap, again and again (each reboot counted as a crash, then safe
// mode, and an open session cut into an interrupted one). A reboot cannot repair a page; the failure should show as
// the log alert while the cap keeps running.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle } from "../e2e/harness.js";

describe("review: a page that will not erase", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("does not stop the watchdog kicks; the log alert is raised", async () => {
    const cap = new Cap(bundle);
    cap.run(5);
    const region = JSON.parse(cap.device.evaluate('JSON.stringify(require("Flash").getFree()[0])') as string);
    const top = region.addr + region.length;
    const pages = region.length / 4096;
    // Stray bits in every page after the first two, and erases that silently do nothing (the read-back fails).
    for (let p = 2; p < pages; p++) cap.device.flash.bytes[top - (p + 1) * 4096 + 2048 - cap.device.flash.baseAddress] = 0;
    cap.device.evaluate('require("Flash").erasePage = function () {};');
    // Fill the first page with cap checks, so that the head moves on and maintain() wants the next page.
    for (let i = 0; i < 260; i++) {
      cap.device.setCap(false);
      cap.run(1);
      cap.device.setCap(true);
      cap.run(1);
    }
    cap.run(4 * 3600); // no events: only the housekeeping tick bumps the heartbeat
    expect(cap.device.bootCount).toBe(1);
    const s = await capLog(cap);
    expect(s.status.alerts.logCorruption).toBe(true);
  });
});
