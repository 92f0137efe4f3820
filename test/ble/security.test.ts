import { describe, expect, it } from "vitest";
import { readChar } from "../../firmware/ble/engine";
import { access, OP_READ, OP_SUBSCRIBE, OP_WRITE } from "../../firmware/ble/security";
import { CH_BATTERY, CH_CONFIG, CH_RACP, CH_RECORDS, CH_STATUS, CH_TIME } from "../../firmware/ble/uuids";
import { exampleEngine } from "./fixture";
import { unhex } from "./fake-log";

describe("access rules", () => {
  // [char, op, trusted result, untrusted result]
  const table: [string, number, number, number, number][] = [
    ["records read", CH_RECORDS, OP_READ, 0x03, 0x03],
    ["records subscribe", CH_RECORDS, OP_SUBSCRIBE, 0, 0x05],
    ["records write", CH_RECORDS, OP_WRITE, 0x03, 0x03],
    ["racp write", CH_RACP, OP_WRITE, 0, 0x05],
    ["racp subscribe", CH_RACP, OP_SUBSCRIBE, 0, 0x05],
    ["time read", CH_TIME, OP_READ, 0, 0x05],
    ["time write", CH_TIME, OP_WRITE, 0, 0x05],
    ["config read", CH_CONFIG, OP_READ, 0, 0x05],
    ["config write", CH_CONFIG, OP_WRITE, 0, 0x05],
    ["status read", CH_STATUS, OP_READ, 0, 0x05], // the time of the last dose: protected
    ["status subscribe", CH_STATUS, OP_SUBSCRIBE, 0, 0x05],
    ["status write", CH_STATUS, OP_WRITE, 0x03, 0x03],
    ["battery read", CH_BATTERY, OP_READ, 0, 0],
  ];
  it.each(table)("%s", (_n, ch, op, trusted, untrusted) => {
    expect(access(ch, op, true, true)).toBe(trusted);
    expect(access(ch, op, false, false)).toBe(untrusted);
    expect(access(ch, op, true, false)).toBe(untrusted); // encrypted but not bonded
    expect(access(ch, op, false, true)).toBe(untrusted); // bonded phone before re-encryption
  });

  it("the engine's write check (written out in engine.write) refuses exactly what access() refuses", () => {
    // Every characteristic id 0..7, trusted or not: a refused write answers access()'s ATT error and changes
    // nothing; an allowed one is accepted (0). The payload is an invalid request, answered in the value.
    for (const trusted of [true, false]) {
      for (let ch = 0; ch <= 7; ch++) {
        const { engine, log } = exampleEngine();
        engine.link(23);
        engine.trusted = trusted;
        const before = log.snapshot();
        expect(engine.write(ch, unhex("00"))).toBe(access(ch, OP_WRITE, trusted, trusted));
        expect(log.snapshot()).toBe(before);
      }
    }
  });

  it("an unbonded link can read no record, set no time, change no config, delete nothing", () => {
    const { engine, sender, log, clock, store } = exampleEngine();
    engine.link(23);
    const before = log.snapshot();
    for (const [ch, d] of [[CH_RACP, "01 01"], [CH_RACP, "02 01"], [CH_RACP, "a1 00 01 00 00 00 08"], [CH_TIME, "3c 90 24 69"], [CH_CONFIG, "01 01 0f 06 78 02 1e 00 00 00 58 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"]] as const) {
      expect(engine.write(ch, unhex(d))).toBe(0x05);
    }
    engine.racp.pump();
    expect(sender.take()).toEqual([]);
    expect(log.snapshot()).toBe(before);
    expect(clock.t).toBe(1764003800);
    expect(store.saves).toBe(0);
    expect(readChar(engine, CH_CONFIG)).toBe(0x05);
    expect(readChar(engine, CH_TIME)).toBe(0x05);
  });
});
