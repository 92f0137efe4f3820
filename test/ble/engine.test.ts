// Device Time, Status and advertising of the pure engine.
import { readChar, UPD_ALERTS, UPD_BATTERY, UPD_RECORD } from "../../firmware/ble/engine";
import { describe, expect, it } from "vitest";
import { CH_BATTERY, CH_STATUS, CH_TIME, CH_CONFIG } from "../../firmware/ble/uuids";
import { scanResponse } from "../../firmware/ble/adv";

import { exampleEngine } from "./fixture";
import { hex, MemLog, unhex } from "./fake-log";
import { decodeStatus } from "../../client/client";

const link = () => {
  const x = exampleEngine();
  x.engine.link(23);
  x.engine.trusted = true;
  return x;
};

describe("Device Time", () => {
  // [name, write, result, clock after, records appended]
  const table: [string, string, number, number, number][] = [
    ["valid", "3c 90 24 69", 0, 1764003900, 1],
    ["same second", "d8 8f 24 69", 0, 1764003800, 0],
    ["min 2000-01-01", "80 43 6d 38", 0, 946684800, 1],
    ["below min", "7f 43 6d 38", 3, 1764003800, 0],
    ["max 2099-12-31T23:59:59", "ff 56 86 f4", 0, 4102444799, 1],
    ["above max", "00 57 86 f4", 3, 1764003800, 0],
    ["3 bytes", "3c 90 24", 1, 1764003800, 0],
    ["5 bytes", "3c 90 24 69 00", 1, 1764003800, 0],
    ["empty", "", 1, 1764003800, 0],
  ];
  it.each(table)("%s", (_n, w, result, after, appended) => {
    const { engine, clock, log } = link();
    engine.capConfirmed = true; // far from the clock: only with the cap in hand (next test)
    engine.write(CH_TIME, unhex(w));
    expect(clock.t).toBe(after);
    expect(log.count()).toBe(5 + appended);
    expect((readChar(engine, CH_TIME) as Uint8Array)[5]).toBe(result);
  });
  it("a set clock moves at most 15 min without the cap in hand (result 0x07); with it, any amount", () => {
    const { engine, clock, log } = link();
    const t0 = clock.t; // 1764003800, a set (wall) clock
    const w = (t: number) => engine.write(CH_TIME, Uint8Array.of(t & 255, (t >>> 8) & 255, (t >>> 16) & 255, t >>> 24));
    w(t0 + 901);
    expect((readChar(engine, CH_TIME) as Uint8Array)[5]).toBe(0x07);
    expect(clock.t).toBe(t0);
    w(t0 - 901);
    expect(clock.t).toBe(t0);
    expect(log.count()).toBe(5);
    w(t0 + 900);
    expect(clock.t).toBe(t0 + 900);
    engine.capConfirmed = true;
    w(t0 + 86400);
    expect(clock.t).toBe(t0 + 86400);
    expect(log.count()).toBe(7);
  });
  it("switching an alert off needs the cap in hand (result 0x07, offset 2); switching one on does not", () => {
    const { engine, store } = link();
    const off = Uint8Array.from(engine.cfg);
    off[2] = 0x0e; // the cap-left-off alert off
    engine.write(CH_CONFIG, off);
    expect(Array.from((readChar(engine, CH_CONFIG) as Uint8Array).subarray(0, 2))).toEqual([0x07, 2]);
    expect(store.saves).toBe(0);
    engine.capConfirmed = true;
    engine.write(CH_CONFIG, off);
    expect((readChar(engine, CH_CONFIG) as Uint8Array)[0]).toBe(0);
    engine.capConfirmed = false;
    const on = Uint8Array.from(off);
    on[2] = 0x0f;
    engine.write(CH_CONFIG, on);
    expect((readChar(engine, CH_CONFIG) as Uint8Array)[0]).toBe(0);
  });
  it("TIME_SET carries the new time and the previous clock value (relative before the first set)", () => {
    const { engine, clock, log } = link();
    clock.t = 120.7; // clock not set: seconds since power-on
    expect(hex(readChar(engine, CH_TIME) as Uint8Array)).toBe("78 00 00 00 00 ff");
    engine.write(CH_TIME, unhex("00 81 24 69"));
    const r = new Uint8Array(16);
    log.readFrom(5, r);
    expect([r[8], r[4] | (r[5] << 8) | (r[6] << 16) | (r[7] << 24), r[10] | (r[11] << 8), r[12] | (r[13] << 8)]).toEqual([6, 1764000000, 120, 0]);
  });
  it("a log failure leaves the clock alone (result 5)", () => {
    const { engine, clock, log } = link();
    log.failAppend = true;
    engine.write(CH_TIME, unhex("3c 90 24 69"));
    expect(clock.t).toBe(1764003800);
    expect((readChar(engine, CH_TIME) as Uint8Array)[5]).toBe(5);
  });
});

describe("Status and Battery", () => {
  it("follows battery, alerts, new doses and empties", () => {
    const { engine, log, sender } = link();
    engine.update(UPD_ALERTS, 0b1010);
    engine.update(UPD_BATTERY, 12);
    log.append(1, 0x10, 1764003810, 7, 0x0a15);
    engine.update(UPD_RECORD, 0);
    const s = decodeStatus(readChar(engine, CH_STATUS) as Uint8Array);
    expect(s).toMatchObject({ batteryPercent: 12, count: 6, newestSeq: 5, lastDoseTime: 1764003810 });
    expect(s.alerts).toEqual({ capLeftOff: false, temperature: true, batteryLow: false, logCorruption: true, noFlashLog: false, syncSoon: false });
    expect(sender.take().filter((p) => p.ch === CH_STATUS).length).toBe(3);
    expect(hex(readChar(engine, CH_BATTERY) as Uint8Array)).toBe("0c");
  });
  it("an empty log reads as 0xFFFFFFFF seqs", () => {
    const { engine } = exampleEngine(new MemLog());
    expect(hex(engine.value(CH_STATUS))).toBe("57 00 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff ff ff ff ff");
    expect(hex(engine.advertising())).toBe(ADV_OPEN); // nothing from the log
  });
});

const ADV_OPEN = "02 01 06 11 07 0b f4 1b 8c ef 0c c2 94 81 47 65 a8 9b 5a 63 bd";
describe("advertising", () => {
  it("the same bytes whatever the log, the alerts or the battery (docs/protocol.md 4)", () => {
    const { engine, log } = link();
    const before = hex(engine.advertising());
    log.append(1, 0, 1764003800, 5, 0xff16);
    engine.update(UPD_RECORD, 0);
    engine.update(UPD_ALERTS, 0b1111);
    engine.update(UPD_BATTERY, 3);
    expect(hex(engine.advertising())).toBe(before);
    expect(before).toBe(ADV_OPEN);
  });
  it("scan response carries the name within 31 bytes", () => {
    expect(hex(scanResponse("PenCap-0001"))).toBe("0c 09 50 65 6e 43 61 70 2d 30 30 30 31");
    expect(scanResponse("x".repeat(40)).length).toBe(31);
  });
});
