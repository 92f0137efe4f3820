// The companion-app client end to end against the pure firmware engine (no NRF): sync, resume after a
// dropped link, dedupe, gaps, wall time, exports.
import { describe, expect, it } from "vitest";
import { FakeCap, FakeCentral } from "./fake-central";
import { SimTransport } from "../../client/sim-transport";
import { PenCapClient } from "../../client/client";
import { RecordStore } from "../../client/store";
import { sync } from "../../client/sync";
import { reconstruct } from "../../client/timeline";
import { skippedSeqs } from "../../client/record";
import { toCSV, toJSON } from "../../client/export";
import { toNightscout } from "../../client/nightscout";
import { RC } from "../../client/protocol";
import { exampleLog } from "../ble/fixture";
import { MemLog } from "../ble/fake-log";

function setup(log = exampleLog(), o: Partial<{ mtu: number; bonded: boolean; perEvent: number }> = {}) {
  const cap = new FakeCap("PC-0001", log);
  const central = new FakeCentral(cap);
  const transport = new SimTransport(central, { mtu: o.mtu ?? 23, bonded: o.bonded ?? true, intervalMs: 30, notificationsPerEvent: o.perEvent ?? 4 });
  const client = new PenCapClient(transport);
  return { cap, central, client };
}
function bigLog(n: number): MemLog {
  const log = new MemLog();
  log.append(7, 0, 0, 1, 1);
  log.append(6, 0, 1764000000, 10, 0);
  for (let i = 2; i < n; i++) log.append(1, 0x10, 1764000000 + i * 600, 6, 0x0816);
  return log;
}

describe("notification size (RACP 0xA2)", () => {
  it("open() announces nothing up to MTU 53: the cap starts at 3 records per notification and falls back by itself", async () => {
    for (const [mtu, racpMtu] of [[23, 53], [53, 53]]) {
      const { cap, client } = setup(exampleLog(), { mtu });
      await client.open();
      expect(cap.engine.racp.mtu).toBe(racpMtu);
    }
  });
});

describe("sync", () => {
  it("first sync of the example cap: every record once, no gaps", async () => {
    const { client } = setup();
    await client.open();
    expect(client.serial).toBe("PC-0001");
    const store = new RecordStore(client.serial);
    const r = await sync(client, store);
    expect(r).toMatchObject({ received: 5, added: 5, duplicates: 0, complete: true });
    expect([...store.records.keys()]).toEqual([0, 1, 2, 3, 4]);
    expect(store.gaps()).toEqual([]);
    // An incremental sync right after finds nothing new.
    expect(await sync(client, store)).toMatchObject({ received: 0, complete: true });
  });

  it("resumes after a dropped link: 1,000 records, each exactly once", async () => {
    for (const mtu of [23, 53]) {
      const { client, central } = setup(bigLog(1000), { mtu });
      await client.open();
      const store = new RecordStore(client.serial);
      central.dropAfterRecordPackets = 150;
      const first = await sync(client, store);
      expect(first.complete).toBe(false);
      expect(store.records.size).toBe(150 * Math.floor((mtu - 3) / 16));
      central.dropAfterRecordPackets = Infinity;
      await client.open();
      const second = await sync(client, store);
      expect(second).toMatchObject({ complete: true, duplicates: 0 });
      expect(store.records.size).toBe(1000);
      expect(store.gaps()).toEqual([]);
    }
  });

  it("re-requests records lost in the air, so nothing is missing", async () => {
    const { client, central } = setup(bigLog(50));
    central.losePackets = new Set([3, 17, 18]);
    await client.open();
    const store = new RecordStore(client.serial);
    const r = await sync(client, store);
    expect(r.complete).toBe(true);
    expect(store.records.size).toBe(50);
    expect(store.gaps()).toEqual([]);
  });

  it("re-syncing everything adds nothing (dedupe by seq)", async () => {
    const { client } = setup();
    await client.open();
    const store = new RecordStore(client.serial);
    await sync(client, store);
    let added = 0;
    const rr = await client.reportAll((rec) => (added += store.add(rec) ? 1 : 0));
    expect(rr).toMatchObject({ responseCode: RC.success, received: 5 });
    expect(added).toBe(0);
    expect(store.conflicts).toEqual([]);
  });

  it("reports gaps: overwritten by the ring, deleted, and missing on the cap", async () => {
    const log = new MemLog(8);
    for (let i = 0; i < 14; i++) {
      if (i === 11) log.hole(); // a corrupt slot the log skipped
      else log.append(1, 0, 1764000000 + i * 60, 5, 0x0816);
    }
    // holds seqs 5..10, 12, 13 (8 records), seq 11 absent
    const { client, cap } = setup(log);
    await client.open();
    cap.engine.capConfirmed = true; // a delete needs the cap in hand (docs/protocol.md 3.2)
    // The ring is full of records no app confirmed: the delete would be refused (0x81) until the app confirms.
    expect(await client.deleteThrough(6)).toBe(RC.notSynced);
    expect(await client.confirmReceived(13)).toBe(RC.success);
    expect(await client.deleteThrough(6)).toBe(RC.success); // DELETE record seq 14
    const store = new RecordStore(client.serial);
    const r = await sync(client, store);
    expect(r.complete).toBe(true);
    expect([...store.records.keys()].sort((a, b) => a - b)).toEqual([7, 8, 9, 10, 12, 13, 14]);
    expect(store.gaps()).toEqual([
      { from: 1, to: 6, kind: "deleted" },
      { from: 11, to: 11, kind: "missing" },
    ]);
    // without the delete the low part is "overwritten"
    const s2 = new RecordStore("x");
    s2.lastStatus = { ...store.lastStatus!, deletedThrough: -1 };
    for (const rec of store.records.values()) if (rec.type !== 12) s2.add(rec);
    s2.confirmedMissing.add(11);
    expect(s2.gaps()).toEqual([
      { from: 1, to: 5, kind: "overwritten" },
      { from: 6, to: 6, kind: "unconfirmed" },
      { from: 11, to: 11, kind: "missing" },
      { from: 14, to: 14, kind: "unconfirmed" },
    ]);
  });

  it("a hole a SEQ_SKIPPED record explains is 'skipped' and not asked for again; an unexplained one is 'missing'", async () => {
    const log = new MemLog(); // seqs from 0
    log.append(7, 0, 0, 1, 1); // 0 BOOT
    log.append(1, 0x10, 1764000000, 5, 0x0816); // 1
    log.hole(); // 2: torn by a power cut
    log.append(15, 0, 0, 2, 1); // 3 SEQ_SKIPPED(first 2, 1 seq), written at mount before the BOOT
    log.append(7, 0, 1, 2, 2); // 4 BOOT
    log.append(1, 0x10, 1764000600, 5, 0x0816); // 5
    log.hole(); // 6: a corrupt slot, nothing explains it
    log.append(1, 0x10, 1764001200, 5, 0x0816); // 7
    const { client } = setup(log);
    await client.open();
    const store = new RecordStore(client.serial);
    const asked: [number, number][] = [];
    const range = client.reportRange.bind(client);
    client.reportRange = (lo, hi, on) => {
      asked.push([lo, hi]);
      return range(lo, hi, on);
    };
    const r = await sync(client, store);
    expect(r.complete).toBe(true);
    expect(store.gaps()).toEqual([
      { from: 2, to: 2, kind: "skipped" },
      { from: 6, to: 6, kind: "missing" },
    ]);
    expect(asked).toEqual([[6, 6]]); // the skipped seq is never re-requested
    expect([...store.confirmedMissing]).toEqual([6]);
    // A later sync asks for nothing more and keeps the classification.
    asked.length = 0;
    await sync(client, store);
    expect(asked).toEqual([]);
    expect(store.gaps().map((g) => g.kind)).toEqual(["skipped", "missing"]);
    // Exports: the SEQ_SKIPPED record is a row of the log like BOOT, never a treatment; JSON names the gap.
    expect(toNightscout(store).treatments.map((t) => t.identifier)).toEqual([1, 5, 7].map((q) => `${store.serial}-${q}`));
    const json = JSON.parse(toJSON(store));
    expect(json.gaps).toContainEqual({ from: 2, to: 2, kind: "skipped" });
    expect(json.rows.find((x: { seq: number }) => x.seq === 3).type).toBe("SEQ_SKIPPED");
    // Without the SEQ_SKIPPED record the same hole is what it would otherwise be: missing.
    const bare = new RecordStore("y");
    bare.lastStatus = store.lastStatus;
    for (const rec of store.records.values()) if (rec.type !== 15) bare.add(rec);
    bare.confirmedMissing.add(2);
    bare.confirmedMissing.add(6);
    expect(bare.gaps()).toEqual([
      { from: 2, to: 2, kind: "missing" },
      { from: 3, to: 3, kind: "unconfirmed" }, // the SEQ_SKIPPED record itself, left out of this store
      { from: 6, to: 6, kind: "missing" },
    ]);
  });

  it("SEQ_SKIPPED decoding: the first seq is the highest below the record with those low 16 bits; the count is clipped", () => {
    const rec = (seq: number, a: number, b: number) => ({ seq, time: 0, type: 15, flags: 0, a, b, check: 0 });
    expect(skippedSeqs(rec(7, 6, 1))).toEqual({ first: 6, count: 1 });
    expect(skippedSeqs(rec(0x10002, 0xffff, 3))).toEqual({ first: 0xffff, count: 3 }); // across a 16-bit wrap
    expect(skippedSeqs(rec(0x30005, 0x0003, 2))).toEqual({ first: 0x30003, count: 2 });
    expect(skippedSeqs(rec(0x30005, 0x0005, 1))).toEqual({ first: 0x20005, count: 1 }); // never its own seq
    expect(skippedSeqs(rec(10, 8, 5))).toEqual({ first: 8, count: 2 }); // only seqs below the record
    expect(skippedSeqs(rec(3, 9, 1))).toEqual({ first: 0, count: 0 }); // would be negative: names nothing
    // Seqs it names beyond what a gap holds never hide a held record.
    const store = new RecordStore("x");
    store.add({ ...rec(4, 1, 3), type: 15 }); // names 1..3
    store.add({ seq: 2, time: 0, type: 1, flags: 0, a: 0, b: 0, check: 0 });
    expect(store.gaps()).toEqual([
      { from: 1, to: 1, kind: "skipped" },
      { from: 3, to: 3, kind: "skipped" },
    ]);
  });

  it("an unbonded central reads no record, sets no time, changes no config, deletes nothing", async () => {
    const { client, central, cap } = setup(exampleLog(), { bonded: false });
    const before = cap.log.snapshot();
    await expect(client.open()).rejects.toMatchObject({ attError: 0x05 });
    const S = "bd635a9b-a865-4781-94c2-0cef8c1bf40b";
    const w = (c: string, d: number[]) => central.write(S, c, new Uint8Array(d), { withResponse: true });
    await expect(w("bd630002-a865-4781-94c2-0cef8c1bf40b", [1, 1])).rejects.toMatchObject({ attError: 5 });
    await expect(w("bd630002-a865-4781-94c2-0cef8c1bf40b", [2, 1])).rejects.toMatchObject({ attError: 5 });
    await expect(w("bd630003-a865-4781-94c2-0cef8c1bf40b", [0x3c, 0x90, 0x24, 0x69])).rejects.toMatchObject({ attError: 5 });
    await expect(central.read(S, "bd630005-a865-4781-94c2-0cef8c1bf40b")).rejects.toMatchObject({ attError: 5 });
    expect(cap.log.snapshot()).toBe(before);
    expect(cap.clock.t).toBe(1764003800);
    // pairing is refused outside the window, accepted inside
    await expect(central.pair({})).rejects.toBeTruthy();
    cap.pairingOpen = true;
    await central.pair({ passkey: "123456" });
    await client.transport.subscribe(S, "bd630001-a865-4781-94c2-0cef8c1bf40b", () => {});
  });

  it("sets the time, annotates a dose, counts and aborts", async () => {
    const { client, cap } = setup();
    await client.open();
    expect(await client.setTime(1764003900)).toBe(0);
    expect(cap.clock.t).toBe(1764003900);
    expect(await client.setTime(100)).toBe(3);
    expect(await client.annotate(1, 4)).toBe(RC.success);
    expect(await client.annotate(2, 4)).toBe(RC.invalidOperand);
    expect(await client.count()).toBe(7);
    expect(await client.abort()).toBe(RC.abortUnsuccessful);
    const cfg = await client.readConfig();
    cfg.bytes[1] = 2;
    expect(await client.writeConfig(cfg.bytes)).toEqual({ result: 0, badOffset: 0xff });
    cfg.bytes[3] = 0;
    expect(await client.writeConfig(cfg.bytes)).toEqual({ result: 3, badOffset: 3 });
  });
});

describe("wall time and exports", () => {
  async function synced(log = exampleLog()) {
    const { client } = setup(log);
    await client.open();
    const store = new RecordStore(client.serial);
    await sync(client, store);
    return { client, store };
  }

  it("maps relative times through the TIME_SET of the same power-on", async () => {
    const { store } = await synced();
    const t = reconstruct(store.sorted());
    expect(t.get(1)).toMatchObject({ wall: 1763999915, source: "reconstructed", via: "TIME_SET seq 2" }); // 15:58:35Z
    expect(t.get(3)).toMatchObject({ wall: 1764003600, source: "device" });
    // a later power-on without a TIME_SET has unknown wall times
    const more = [...store.sorted(), { seq: 5, time: 0, type: 7, flags: 0, a: 1, b: 2, check: 0 }, { seq: 6, time: 40, type: 1, flags: 0, a: 5, b: 0xffff, check: 0 }];
    // ... and are bounded by the datable records around them (here only from below): the power-on began after
    // the last record before it (a device time: 60 s + 500 ppm of the 3,700 s since its TIME_SET early at most,
    // 1764003638.15), and the dose came 40 s after it began (the clock allowed 500 ppm: 39.98 s)
    expect(reconstruct(more).get(6)).toEqual({ wall: undefined, source: "undatable", powerOn: 1, notBefore: 1764003678 });
    // A SEQ_SKIPPED written at mount, before the BOOT, belongs to the new power-on with that BOOT
    const rel = (seq: number, time: number, type: number) => ({ seq, time, type, flags: 0, a: 0, b: 0, check: 0 });
    const epochs = [
      rel(1, 0, 7), { ...rel(2, 100, 6), time: 1764000000, a: 50 }, { ...rel(3, 0, 1), time: 1764000150 }, // power-on 1: set at 50 s
      rel(4, 2, 15), rel(5, 2, 7), rel(6, 30, 1), // power-on 2: no TIME_SET
    ];
    const tt = reconstruct(epochs);
    expect(tt.get(1)).toMatchObject({ wall: 1763999950, source: "reconstructed", powerOn: 0 });
    expect(tt.get(3)).toMatchObject({ wall: 1764000150, source: "device", powerOn: 0 });
    // bounded from below by seq 3 (a device time, as a bound good to 60 s + 500 ppm of the 150 s since its
    // TIME_SET: 1764000089.925) plus their own relative times (2 and 30 s, less 500 ppm)
    expect(tt.get(4)).toEqual({ wall: undefined, source: "undatable", powerOn: 1, notBefore: 1764000091 });
    expect(tt.get(6)).toEqual({ wall: undefined, source: "undatable", powerOn: 1, notBefore: 1764000119 });
  });

  it("Nightscout: stable identifiers, unknown units as a note, never 0 units", async () => {
    const { store, client } = await synced();
    const ns = toNightscout(store).treatments;
    expect(ns).toEqual([
      {
        identifier: "PC-0001-1", eventType: "Correction Bolus", created_at: "2025-11-24T15:58:35.000Z", date: 1763999915000, utcOffset: 0,
        notes: "Insulin dose detected by the pen cap; units unknown. Time reconstructed from a later clock setting.",
        app: "pencap", enteredBy: "pencap", device: "pencap://PC-0001", insulinType: "rapid", timeSource: "reconstructed",
      },
      {
        identifier: "PC-0001-3", eventType: "Correction Bolus", created_at: "2025-11-24T17:00:00.000Z", date: 1764003600000, utcOffset: 0, insulin: 6, units: 6,
        app: "pencap", enteredBy: "pencap", device: "pencap://PC-0001", insulinType: "rapid", timeSource: "device",
      },
    ]);
    expect(ns.some((t) => t.insulin === 0)).toBe(false);
    // An annotation gives seq 1 its units; identifiers do not change; a second phone produces the same ones.
    await client.annotate(1, 4);
    await sync(client, store);
    const ns2 = toNightscout(store).treatments;
    expect(ns2.map((t) => [t.identifier, t.insulin])).toEqual([["PC-0001-1", 4], ["PC-0001-3", 6]]);
    const other = await synced(exampleLog());
    expect(toNightscout(other.store).treatments.map((t) => t.identifier)).toEqual(["PC-0001-1", "PC-0001-3"]);
  });

  it("two doses in the same minute stay two", async () => {
    const log = new MemLog();
    log.append(1, 0x10, 1764003600, 6, 0x0816);
    log.append(1, 0x10, 1764003630, 6, 0x0816);
    const { store } = await synced(log);
    const ns = toNightscout(store).treatments;
    expect(ns.map((t) => t.identifier)).toEqual(["PC-0001-0", "PC-0001-1"]);
    expect(ns.map((t) => t.insulin)).toEqual([4, 4]);
  });

  it("CSV and JSON carry every record with its identity and wall time", async () => {
    const { store } = await synced();
    const csv = toCSV(store).trim().split("\n");
    expect(csv[0]).toBe(
      "id,seq,type,role,deviceTime,wallTime,timeSource,notBefore,notAfter,units,unitsSource,capOffSeconds,temperatureC,insulin,uncertain,possiblePrime,afterPrime,interruptedByReboot,durationMinutes,excursion,detail,capUnits,annotations",
    );
    expect(csv[2]).toBe('PC-0001-1,1,DOSE,dose,35,2025-11-24T15:58:35.000Z,reconstructed,,,,,6,21,rapid,false,false,false,false,,,"cap off 6 s, 21 °C, units unknown, insulin rapid",,');
    expect(csv[4]).toBe('PC-0001-3,3,DOSE,dose,1764003600,2025-11-24T17:00:00.000Z,device,,,6,cap,8,22,rapid,false,false,false,false,,,"cap off 8 s, 22 °C, 6 U, insulin rapid",6,');
    const j = JSON.parse(toJSON(store));
    expect(j.records.length).toBe(5);
    expect(j.rows.length).toBe(5);
    expect(j.gaps).toEqual([]);
  });

  it("exports do not depend on the phone's time zone", async () => {
    const { store } = await synced();
    const tz = process.env.TZ;
    try {
      process.env.TZ = "UTC";
      const a = JSON.stringify(toNightscout(store)) + toCSV(store);
      process.env.TZ = "America/New_York";
      const b = JSON.stringify(toNightscout(store)) + toCSV(store);
      process.env.TZ = "Australia/Lord_Howe"; // half-hour DST shift
      const c = JSON.stringify(toNightscout(store)) + toCSV(store);
      expect(b).toBe(a);
      expect(c).toBe(a);
    } finally {
      process.env.TZ = tz;
    }
  });

  it("a dose whose wall time cannot be known is kept in JSON/CSV but not sent to Nightscout", async () => {
    const log = new MemLog();
    log.append(7, 0, 0, 1, 1);
    log.append(1, 0x10, 50, 6, 0x0816); // clock never set in this power-on
    const { store } = await synced(log);
    const { treatments, undatable } = toNightscout(store);
    expect(treatments).toEqual([]);
    expect(undatable.map((r) => r.id)).toEqual(["PC-0001-1"]);
    expect(toCSV(store)).toContain("PC-0001-1,1,DOSE,dose,50,,undatable,,,4,cap");
  });
});

describe("abort", () => {
  it("the app aborts a running transfer; the cap stops and confirms", async () => {
    const { client, central } = setup(bigLog(300), { perEvent: 2 });
    await client.open();
    let n = 0;
    const running = client.reportAll(() => {
      n++;
    });
    const caught = running.catch((e) => e);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(await client.abort()).toBe(RC.success);
    expect(await caught).toMatchObject({ message: "aborted" });
    const got = n;
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(300);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r)); // 20 more connection events
    expect(n).toBe(got); // nothing after the abort
    expect(central.cap.engine.racp.reporting).toBe(false);
  });
});

