// 4. A link dropped mid-sync (many records, MTU 23: one record per notification): the next sync resumes from
// the newest seq held and the app ends with every record exactly once.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, firmwareBundle } from "./harness.js";

describe("dropped link mid-sync", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("resumes after each drop, every record exactly once", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    // A first contact sets the clock, then 150 sessions (doses and cap checks).
    expect(await cap.appSync(23)).toBeGreaterThan(0);
    for (let i = 0; i < 150; i++) {
      cap.dose(i % 3 === 0 ? 2 : 20, 60);
      cap.run(600);
    }
    const store = cap.store();
    const deliveries = new Map<number, number>();
    const add = store.add.bind(store);
    store.add = (r) => {
      deliveries.set(r.seq, (deliveries.get(r.seq) ?? 0) + 1);
      return add(r);
    };
    const heldBefore = store.records.size;

    const notes: Array<string | undefined> = [];
    const added: number[] = [];
    for (const drop of [17, 1, 40]) {
      await cap.settle(cap.app.connect({ mtu: 23, bonded: true }));
      const r = await cap.settle(cap.app.sync({ dropAfterRecords: drop }));
      notes.push(r.note);
      added.push(r.records);
      cap.run(30); // the cap notices after the supervision timeout
      expect(cap.radio.radio.isConnected()).toBe(false);
    }
    // every dropped sync stopped where the link was lost and kept what it had
    expect(added).toEqual([17, 1, 40]);
    expect(notes.every((n) => n !== undefined)).toBe(true);
    const last = await cap.appSync(23);
    const status = store.lastStatus!;
    const newest = status.newestSeq;
    // A blank log hands out seq 1 first (docs/log-format.md "seq floor"); the app's store then calls seq 0
    // "overwritten" (client/store.ts counts from 0), which is not a loss.
    const oldest = status.oldestSeq;
    expect(oldest).toBe(1);
    expect(newest).toBeGreaterThanOrEqual(150 + heldBefore);
    expect(last).toBe(newest - heldBefore - 58);
    // every seq oldest..newest held once, delivered once, none with conflicting content, no other gap
    expect(store.records.size).toBe(newest - oldest + 1);
    for (let s = oldest; s <= newest; s++) expect(store.records.has(s)).toBe(true);
    expect(store.gaps()).toEqual([]);
    expect(store.conflicts).toEqual([]);
    const twice = [...deliveries].filter(([, n]) => n !== 1);
    expect(twice).toEqual([]);
    expect(deliveries.size).toBe(newest - heldBefore);
    const rep = cap.app.report();
    expect(rep.recordsLost).toBe(0);
    expect(rep.recordsCorrupt).toBe(0);
    expect(cap.device.errors).toEqual([]);
  });

  // A blank log hands out seq 1 first (docs/log-format.md "seq floor"): no seq 0 gap on a fresh cap.
  it("a fresh cap's first sync leaves no gap at all", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    cap.dose(20, 30);
    await cap.appSync();
    expect(cap.store().gaps()).toEqual([]);
  });
});
