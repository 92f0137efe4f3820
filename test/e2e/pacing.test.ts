// The firmware's pacing of a long report on the simulated radio, with its CPU time at the slow end of the nRF52
// factor (sim/cpu.ts): an interval tick per connection interval and a budget of 4 packets per interval
// (firmware/hw/ble.ts). The CPU is the bottleneck here, so Espruino runs overdue ticks close together; the
// budget must still keep the SoftDevice's 7 TX buffers from overflowing (a dropped notification is silent on
// Espruino). Virtual time throughout.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { SimDevice } from "../../sim/device.js";
import { CapRadio } from "../../sim/integration.js";
import { SimTransport } from "../../client/sim-transport.js";
import { PenCapClient } from "../../client/client.js";
import { NRF52_MS_PER_UNIT } from "../../sim/cpu.js";
import { fillLogScript } from "../../bench/prelude.js";
import { firmwareBundle } from "./harness.js";

/** A phone that grants the cap's 15 ms request and takes 6 packets per connection event. */
class FastPhone extends SimTransport {
  override async connect(): Promise<void> {
    const c = this.central as unknown as { connect(o: object): Promise<void> };
    await c.connect({ mtu: this.opts.mtu, bonded: true, intervalMs: 30, notificationsPerEvent: 6, minIntervalMs: 7.5, grants: "min" });
  }
}

describe("pacing of a 1,000-record report on a CPU-bound cap", () => {
  for (const mtu of [53, 23]) {
    it(`MTU ${mtu}, 15 ms link: every record in one request, no notification dropped, ticks near the interval`, async () => {
      const radio = new CapRadio();
      const d = new SimDevice({ board: "PENCAP", seed: 1, bundle: await firmwareBundle(), nrf: radio.factory, cpuMsPerUnit: NRF52_MS_PER_UNIT.high });
      d.setCap(true);
      d.powerOn();
      d.clock.advance(5);
      d.evaluate(await fillLogScript(1000, 1764000000));
      d.reboot("software");
      d.clock.advance(5);
      const client = new PenCapClient(new FastPhone(radio.central() as never, { mtu, bonded: true, intervalMs: 30, notificationsPerEvent: 6 }));
      await d.clock.settle(client.open());
      d.clock.advance(2);
      const st = await d.clock.settle(client.readStatus());
      const s0 = radio.radio.stats();
      const t0 = d.clock.now();
      const seqs: number[] = [];
      const r = await d.clock.settle(client.reportRange(st.newestSeq - 999, st.newestSeq, (x) => seqs.push(x.seq)));
      const s1 = radio.radio.stats();
      expect(r.responseCode).toBe(0x01);
      expect(r.badChecks).toBe(0);
      expect(s1.notificationsDropped - s0.notificationsDropped).toBe(0);
      expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => st.newestSeq - 999 + i));
      expect(radio.radio.connectionIntervalMs()).toBe(15);
      // 4 packets per interval at most: never faster than 4 per 15 ms, CPU-bound but not far off it
      const notes = s1.notificationsSent - s0.notificationsSent;
      const seconds = d.clock.now() - t0;
      expect(notes / seconds).toBeLessThanOrEqual(4 / 0.015);
      expect(notes / seconds).toBeGreaterThan(0.5 * (4 / 0.016));
      expect(d.errors).toEqual([]);
      await d.clock.settle(client.close());
    });
  }
});
