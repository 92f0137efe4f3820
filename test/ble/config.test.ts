import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_SIZE, crc16, decodeConfig, defaultConfig, encodeConfig, validateCode, validateConfig } from "../../firmware/config/config";
import { CH_CONFIG } from "../../firmware/ble/uuids";
import { exampleEngine } from "./fixture";
import { hex, unhex } from "./fake-log";

const def = () => defaultConfig(new Uint8Array(CONFIG_SIZE));
const md = readFileSync("docs/config.md", "utf8");

describe("config codec", () => {
  it("default block is the documented vector", () => {
    expect(hex(def())).toBe(/```vector config-default\n([^`]*)```/.exec(md)![1].trim());
  });
  it("CRC-16/CCITT-FALSE known answer", () => {
    expect(crc16(new TextEncoder().encode("123456789"), 0, 9)).toBe(0x29b1);
  });
  it("round-trips through decode/encode", () => {
    const c = { ...decodeConfig(def()), insulinType: 1, tempLowC: -5, name: "NovoRapid", capLeftOffS: 600 };
    const b = encodeConfig(c, new Uint8Array(CONFIG_SIZE));
    expect(validateConfig(b)).toBe(-1);
    expect(decodeConfig(b)).toEqual(c);
  });

  // [field, offset, value bytes (at offset), valid?]
  const table: [string, number, number[], boolean][] = [
    ["version 0", 0, [0], false], ["version 2", 0, [2], false],
    ["insulin 3", 1, [3], true], ["insulin 4", 1, [4], false],
    ["alerts 0x0f", 2, [0x0f], true], ["alerts 0x10", 2, [0x10], false], ["alerts 0", 2, [0], true],
    ["cap check 0", 3, [0], false], ["cap check 1", 3, [1], true], ["cap check 30", 3, [30], true], ["cap check 31", 3, [31], false],
    ["merge 0", 4, [0], true], ["merge 60", 4, [60], true], ["merge 61", 4, [61], false],
    ["low -10", 5, [0xf6], true], ["low -11", 5, [0xf5], false], ["low 15", 5, [15], true], ["low 16", 5, [16], false],
    ["high 19", 6, [19], false], ["high 20", 6, [20], true], ["high 45", 6, [45], true], ["high 46", 6, [46], false], ["high -1", 6, [0xff], false],
    ["reserved 1", 7, [1], false],
    ["double 4", 8, [4, 0], false], ["double 5", 8, [5, 0], true], ["double 720", 8, [0xd0, 2], true], ["double 721", 8, [0xd1, 2], false],
    ["left off 29", 10, [29, 0], false], ["left off 30", 10, [30, 0], true], ["left off 3600", 10, [0x10, 0x0e], true], ["left off 3601", 10, [0x11, 0x0e], false],
    ["name printable", 12, [0x41, 0x7e, 0x20], true], ["name control char", 12, [0x41, 0x0a], false], ["name DEL", 12, [0x7f], false],
    ["name 8-bit", 12, [0xc3, 0xa9], false], ["name gap then char", 12, [0x41, 0, 0x42], false], ["name full 16", 12, Array(16).fill(0x5a), true],
  ];
  it.each(table)("%s", (_n, off, bytes, ok) => {
    const b = def();
    b.set(bytes, off);
    const r = validateConfig(b);
    if (ok) expect(r).toBe(-1);
    else {
      expect(r === off || (off === 12 && r >= 12)).toBe(true);
      expect(validateCode).toBe(off === 0 ? 0x02 : 0x03);
    }
  });
  it("wrong lengths are refused", () => {
    for (const n of [0, 1, 27, 29, 64]) {
      expect(validateConfig(new Uint8Array(n))).toBe(0xff);
      expect(validateCode).toBe(0x01);
    }
  });
});

describe("config writes through the engine", () => {
  const rapid = () => {
    const b = def();
    b[1] = 1;
    return b;
  };
  const link = () => {
    const x = exampleEngine();
    x.engine.connect(23);
    x.engine.setSecurity(true, true);
    return x;
  };
  it("valid: stored, CONFIG_CHANGED with the CRC-16, applied, reported", () => {
    const { engine, log, store } = link();
    const seen: number[] = [];
    (engine as unknown as { onConfig: (c: { insulinType: number }) => void }).onConfig = (c) => seen.push(c.insulinType);
    engine.write(CH_CONFIG, rapid());
    expect(hex(store.bytes!)).toBe(hex(rapid()));
    const r = new Uint8Array(16);
    expect(log.readFrom(5, r)).toBe(5);
    expect(r[8]).toBe(0x0e);
    expect(r[10] | (r[11] << 8)).toBe(crc16(rapid(), 0, 28));
    expect(seen).toEqual([1]);
    expect((engine.read(CH_CONFIG) as Uint8Array).subarray(0, 3)).toEqual(unhex("00 ff 01"));
  });
  it("identical: nothing stored, nothing logged", () => {
    const { engine, log, store } = link();
    engine.write(CH_CONFIG, def());
    expect(store.saves).toBe(0);
    expect(log.count()).toBe(5);
    expect((engine.read(CH_CONFIG) as Uint8Array)[0]).toBe(0);
  });
  it("storage failure: result 4, nothing changed", () => {
    const { engine, log, store } = link();
    store.failSave = true;
    engine.write(CH_CONFIG, rapid());
    expect(log.count()).toBe(5);
    expect(engine.config().insulinType).toBe(0);
    expect((engine.read(CH_CONFIG) as Uint8Array)[0]).toBe(4);
  });
  it("log failure: result 5, the old block stored again, nothing applied", () => {
    const { engine, log, store } = link();
    store.bytes = def();
    log.failAppend = true;
    engine.write(CH_CONFIG, rapid());
    expect(hex(store.bytes!)).toBe(hex(def()));
    expect(engine.config().insulinType).toBe(0);
    expect((engine.read(CH_CONFIG) as Uint8Array)[0]).toBe(5);
  });
  it("a stored block is loaded at init; a corrupt one falls back to defaults", () => {
    const a = exampleEngine();
    a.store.bytes = rapid();
    a.engine.init();
    expect(a.engine.config().insulinType).toBe(1);
    a.store.bytes = new Uint8Array(5);
    a.engine.init();
    expect(hex(a.engine.configBytes())).toBe(hex(def()));
  });
});
