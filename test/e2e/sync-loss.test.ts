// Notifications the radio drops: the cap streams several notifications per connection event and, as on
// Espruino 2v29, an updateServices offered to full SoftDevice TX buffers is lost without notice (sim/ble/nrf.ts
// hvx). A phone that takes only 1 packet per event makes the cap overfill them; the client asks again for each
// hole (client/sync.ts) and ends with every record, each delivered exactly once.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, firmwareBundle } from "./harness.js";
import { PenCapClient } from "../../client/client.js";
import { SimTransport } from "../../client/sim-transport.js";
import { RecordStore } from "../../client/store.js";
import { sync } from "../../client/sync.js";

describe("lost notifications", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  for (const mtu of [53, 23]) {
    it(`MTU ${mtu}: a phone taking 1 packet per event loses notifications; the sync asks again, each record arrives exactly once`, async () => {
      const cap = new Cap(bundle);
      cap.run(60);
      for (let i = 0; i < 120; i++) {
        cap.dose(i % 3 === 0 ? 2 : 20, 60);
        cap.run(300);
      }
      const central = cap.radio.central();
      const client = new PenCapClient(new SimTransport(central as never, { mtu, bonded: true, intervalMs: 30, notificationsPerEvent: 1 }));
      const store = new RecordStore("loss");
      const deliveries = new Map<number, number>();
      const add = store.add.bind(store);
      store.add = (r) => {
        deliveries.set(r.seq, (deliveries.get(r.seq) ?? 0) + 1);
        return add(r);
      };
      const dropped0 = cap.radio.radio.stats().notificationsDropped;
      await cap.settle(client.open());
      const res = await cap.settle(sync(client, store));
      await cap.settle(client.close());
      expect(cap.radio.radio.stats().notificationsDropped - dropped0).toBeGreaterThan(0); // the loss happened
      expect(res.complete).toBe(true);
      const st = store.lastStatus!;
      expect(st.newestSeq).toBeGreaterThan(120);
      const want = Array.from({ length: st.newestSeq - st.oldestSeq + 1 }, (_, i) => st.oldestSeq + i);
      expect([...deliveries.keys()].sort((a, b) => a - b)).toEqual(want);
      expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
      expect(store.gaps().filter((g) => g.kind === "missing" || g.kind === "unconfirmed")).toEqual([]);
      expect(cap.device.errors).toEqual([]);
    });
  }

  // If S132 v3 truncates an over-long notification instead of refusing it (sim/ble/nrf.ts hvx), the cap keeps
  // sending 3 records per notification to a 23-byte link and the phone gets the first 20 bytes of each: the
  // client finds them malformed, pins one record per notification (RACP 0xA2) and asks for the holes again.
  it("MTU 23 on a SoftDevice that truncates over-long notifications: every record arrives exactly once, none invented", async () => {
    const cap = new Cap(bundle);
    cap.radio.radio.overLongNotification = "truncate";
    cap.run(60);
    for (let i = 0; i < 40; i++) {
      cap.dose(20, 60);
      cap.run(300);
    }
    const central = cap.radio.central();
    const client = new PenCapClient(new SimTransport(central as never, { mtu: 23, bonded: true, intervalMs: 30, notificationsPerEvent: 4 }));
    const store = new RecordStore("trunc");
    const deliveries = new Map<number, number>();
    const add = store.add.bind(store);
    store.add = (r) => {
      deliveries.set(r.seq, (deliveries.get(r.seq) ?? 0) + 1);
      return add(r);
    };
    // the RACP op codes the phone writes: a pinned notification size (0xA2) shows the truncation was met
    const ops: number[] = [];
    const write = central.write.bind(central);
    central.write = ((svc: string, ch: string, data: Uint8Array, o?: unknown) => {
      ops.push(data[0]);
      return write(svc, ch, data, o as never);
    }) as typeof central.write;
    await cap.settle(client.open());
    const res = await cap.settle(sync(client, store));
    await cap.settle(client.close());
    expect(res.complete).toBe(true);
    const st = store.lastStatus!;
    expect(st.newestSeq).toBeGreaterThan(40);
    const want = Array.from({ length: st.newestSeq - st.oldestSeq + 1 }, (_, i) => st.oldestSeq + i);
    expect([...deliveries.keys()].sort((a, b) => a - b)).toEqual(want);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(store.sorted().filter((r) => r.type === 1)).toHaveLength(40);
    expect(ops).toContain(0xa2);
    expect(cap.device.errors).toEqual([]);
  });
});
