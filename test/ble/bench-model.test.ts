// The sync model's arithmetic agrees with the fake central's counted connection events (the fake central
// runs the real engine with the same per-event budget).
import { describe, expect, it } from "vitest";
import { syncFigures } from "../../bench/sync";
import { FakeCap, FakeCentral } from "../client/fake-central";
import { MemLog } from "./fake-log";
import { SimTransport } from "../../client/sim-transport";
import { PenCapClient } from "../../client/client";

describe("bench/sync.ts model", () => {
  it.each([[23, 3], [53, 3], [53, 6]])("1,000 records at MTU %i, %i per event", async (mtu, perEvent) => {
    const log = new MemLog();
    for (let i = 0; i < 1000; i++) log.append(1, 0, 1764000000 + i, 5, 0xff16);
    const central = new FakeCentral(new FakeCap("PC-1", log));
    const client = new PenCapClient(new SimTransport(central, { mtu, bonded: true, intervalMs: 30, notificationsPerEvent: perEvent }));
    await client.open();
    const before = central.events;
    let n = 0;
    await client.reportAll(() => n++);
    expect(n).toBe(1000);
    const f = syncFigures(1000, { mtu, intervalMs: 30, notificationsPerEvent: perEvent, setupEvents: 0 });
    // The fake central sends the RACP write in the same event as the first packets: one event fewer.
    expect(central.events - before).toBe(f.connectionEvents - 1);
  });
});
