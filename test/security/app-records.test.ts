// A bonded phone (compromised or buggy) writing app records: they never wrap the ring over a dose no app has
// confirmed, they are rate-limited, and a delete needs the cap in hand. The real DoseLog over the NOR model
// (its wrap, its capacity) and the pure engine. docs/protocol.md 3.2 "App records", 6.1.
import { beforeAll, describe, expect, it } from "vitest";
import { DoseLog } from "../../firmware/log/log.js";
import { BleEngine } from "../../firmware/ble/engine.js";
import { CH_CONFIG, CH_RACP, CH_STATUS, CH_TIME } from "../../firmware/ble/uuids.js";
import { installCrc, makeFlash } from "../log/helpers.js";
import { CaptureSender, FakeClock, MemStore, hex, unhex } from "../ble/fake-log.js";

beforeAll(() => installCrc());

const T0 = 1764000000;

function cap(pages = 5, pageSize = 512) {
  const { store } = makeFlash(pageSize, pages);
  const log = new DoseLog(store);
  log.mount();
  const clock = new FakeClock(T0);
  const sender = new CaptureSender();
  const engine = new BleEngine({ log, send: sender.send, clock, store: new MemStore() });
  engine.link(23);
  engine.trusted = true;
  sender.take();
  const dose = () => log.append(1, 0x10, Math.floor(clock.now()), 8, 0x0916);
  const racp = (h: string) => {
    engine.write(CH_RACP, unhex(h));
    engine.racp.pump();
    return sender.take().filter((p) => p.ch === CH_RACP).map((p) => hex(p.data));
  };
  const le32 = (n: number) => hex(Uint8Array.of(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24));
  return { log, clock, engine, dose, racp, le32 };
}

describe("app records", () => {
  it("app records never wrap the ring over unconfirmed doses", () => {
    const c = cap();
    // The guard alone: the budget (its own test) is topped up before every write.
    const doses: number[] = [];
    for (let i = 0; i < 10; i++) doses.push(c.dose());
    // The attacker annotates over and over, and moves the clock by seconds, never confirming anything.
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      c.engine.racp.tokens = 32;
      const r = i % 2 ? c.racp(`a1 00 ${c.le32(doses[9])} 08`) : (c.engine.write(CH_TIME, unhex(c.le32(T0 + 1 + (i % 600)))), [hex(c.engine.value(CH_TIME)).slice(-2)]);
      if (r[0] === "06 00 a1 81" || r[0] === "81") refused++;
      expect(c.log.oldestSeq()).toBeLessThanOrEqual(doses[0]); // the first dose is still there
    }
    expect(refused).toBeGreaterThan(4000);
    expect(c.log.newestSeq() + 3 - -1).toBeLessThanOrEqual(c.log.capacity + 3);
    // A config change is refused the same way (result 0x81).
    const cfg = c.engine.value(CH_CONFIG).slice(2);
    cfg[1] = 1;
    c.engine.write(CH_CONFIG, cfg);
    expect(c.engine.value(CH_CONFIG)[0]).toBe(0x81);
  });

  it("once an app confirms, app records go on; doses after the confirmation are protected again", () => {
    const c = cap();
    for (let i = 0; i < 10; i++) c.dose();
    const confirmed = c.log.newestSeq();
    expect(c.racp(`a3 00 ${c.le32(confirmed)}`)).toEqual(["06 00 a3 01"]);
    const newDose = c.dose(); // taken after the sync: no phone has it
    let ok = 0;
    for (let i = 0; i < 5000; i++) {
      c.engine.racp.tokens = 32;
      if (c.racp(`a1 00 ${c.le32(newDose)} 08`)[0] === "06 00 a1 01") ok++;
    }
    expect(ok).toBeGreaterThan(c.log.capacity - 20); // the ring did fill with app records...
    expect(c.log.oldestSeq()).toBeLessThanOrEqual(newDose); // ...but never over the unconfirmed dose
    expect(c.log.newestSeq() - newDose).toBeGreaterThanOrEqual(c.log.capacity - 3 - (newDose - confirmed)); // the guard stops only at the guaranteed capacity
    // A confirmation beyond the newest seq is capped at it.
    c.racp(`a3 00 ${c.le32(0xfffffff0)}`);
    expect(c.engine.racp.synced).toBe(c.log.newestSeq());
  });

  it("Status alert bit 5 'sync soon': a page before the ring overwrites a record no app confirmed; cleared by a confirmation", () => {
    const c = cap(); // 5 pages of 512 bytes: capacity (5 - 2) x 30
    const soon = () => (c.engine.value(CH_STATUS)[1] & 32) !== 0;
    const warnAt = c.log.capacity - 254; // RING_WARN: a page of 4 KiB (here more than the whole tiny ring)
    expect(soon()).toBe(warnAt < 0); // this ring is smaller than a cap's page: unconfirmed records are always near
    // A ring of the cap's page size: the cap build's geometry, 20 pages of 4 KiB (18 for the log)
    const big = cap(18, 4096);
    const bigSoon = () => (big.engine.value(CH_STATUS)[1] & 32) !== 0;
    const threshold = big.log.capacity - 254; // newest - (-1) > threshold
    while (big.log.newestSeq() + 1 <= threshold) {
      expect(bigSoon()).toBe(false);
      big.dose();
    }
    expect(bigSoon()).toBe(true); // nothing confirmed, and within a page of the first overwrite
    expect(big.racp(`a3 00 ${big.le32(big.log.newestSeq())}`)).toEqual(["06 00 a3 01"]);
    expect(bigSoon()).toBe(false); // the app holds everything
    // Doses again, none confirmed: the alert comes back a page before they would be overwritten
    const confirmed = big.log.newestSeq();
    while (big.log.newestSeq() - confirmed <= threshold) big.dose();
    expect(bigSoon()).toBe(true);
    expect(big.log.oldestSeq()).toBeLessThanOrEqual(confirmed + 1); // nothing unconfirmed lost yet
  });

  it("the budget: 32 app records at once, then one per 10 minutes; a clock step refills nothing", () => {
    const c = cap(8);
    const d = c.dose();
    let ok = 0;
    for (let i = 0; i < 40; i++) if (c.racp(`a1 00 ${c.le32(d)} 08`)[0] === "06 00 a1 01") ok++;
    expect(ok).toBe(32);
    expect(c.racp(`a1 00 ${c.le32(d)} 08`)).toEqual(["06 00 a1 82"]);
    // Clock steps of 15 min (allowed without the cap) need a token each and bring none.
    c.engine.write(CH_TIME, unhex(c.le32(T0 + 900)));
    expect(c.engine.value(CH_TIME)[5]).toBe(0x82);
    c.clock.t += 599;
    expect(c.racp(`a1 00 ${c.le32(d)} 08`)).toEqual(["06 00 a1 82"]);
    c.clock.t += 1;
    c.engine.write(CH_TIME, unhex(c.le32(Math.floor(c.clock.t) + 900))); // the token goes to a clock step
    expect(c.engine.value(CH_TIME)[5]).toBe(0);
    expect(c.racp(`a1 00 ${c.le32(d)} 08`)).toEqual(["06 00 a1 82"]); // and the step brought no new one
    c.clock.t += 600 * 5;
    for (let i = 0; i < 5; i++) expect(c.racp(`a1 00 ${c.le32(d)} 08`)).toEqual(["06 00 a1 01"]);
    expect(c.racp(`a1 00 ${c.le32(d)} 08`)).toEqual(["06 00 a1 82"]);
  });

  it("delete needs the cap in hand", () => {
    const c = cap(8);
    for (let i = 0; i < 5; i++) c.dose();
    const before = c.log.newestSeq();
    expect(c.racp("02 01")).toEqual(["06 00 02 80"]);
    expect(c.racp(`02 02 01 ${c.le32(2)}`)).toEqual(["06 00 02 80"]);
    expect(c.log.newestSeq()).toBe(before);
    expect(c.engine.racp.deletedThrough).toBe(-1);
    c.engine.capConfirmed = true; // the pairing window (the 5-click gesture)
    expect(c.racp("02 01")).toEqual(["06 00 02 01"]);
    expect(c.engine.racp.deletedThrough).toBe(before);
  });
});
