import { readFileSync } from "node:fs";
import { BleEngine, readChar } from "../../firmware/ble/engine";
import { describe, expect, it } from "vitest";
import { CONFIG_SIZE, crc16, decodeConfig, defaultConfig, detectConfigFrom, encodeConfig, validateCode, validateConfig } from "../../firmware/config/config";
import { defaultDetectConfig } from "../../firmware/detect/config";
import { CH_CONFIG } from "../../firmware/ble/uuids";
import { exampleEngine } from "./fixture";
import { hex, unhex } from "./fake-log";

const def = () => defaultConfig(new Uint8Array(CONFIG_SIZE));
const md = readFileSync("docs/config.md", "utf8");

describe("config codec", () => {
  it("default block is the documented vector", () => {
    expect(hex(def())).toBe(/```vector config-default\n([^`]*)```/.exec(md)![1].trim());
  });
  it("defaults are detection's defaults", () => {
    expect(decodeConfig(def())).toEqual({
      insulinType: 0, alerts: 0x0f, capCheckMaxS: 6, primingWindowS: 120, tempLowC: 2, tempHighC: 30, doubleDoseMin: 0, capLeftOffS: 600, name: "",
    });
    for (const t of [0, 1, 2, 3]) {
      const b = def();
      b[1] = t;
      expect(detectConfigFrom(decodeConfig(b))).toEqual(defaultDetectConfig(t));
    }
  });
  it("CRC-16/CCITT-FALSE known answer", () => {
    expect(crc16(new TextEncoder().encode("123456789"), 0, 9)).toBe(0x29b1);
  });
  it("round-trips through decode/encode", () => {
    const c = { ...decodeConfig(def()), insulinType: 1, tempLowC: -5, name: "NovoRapid", capLeftOffS: 900, primingWindowS: 90, doubleDoseMin: 180 };
    const b = encodeConfig(c, new Uint8Array(CONFIG_SIZE));
    expect(validateConfig(b)).toBe(-1);
    expect(decodeConfig(b)).toEqual(c);
  });

  // [field, offset, value bytes (at offset), valid?]
  const table: [string, number, number[], boolean][] = [
    ["version 0", 0, [0], false], ["version 2", 0, [2], false],
    ["insulin 3", 1, [3], true], ["insulin 4", 1, [4], false],
    ["alerts 0x0f", 2, [0x0f], true], ["alerts 0x10", 2, [0x10], false], ["alerts 0", 2, [0], true],
    ["cap check 0", 3, [0], false], ["cap check 2", 3, [2], false], ["cap check 3", 3, [3], true], ["cap check 8", 3, [8], true], ["cap check 9", 3, [9], false],
    ["priming 0", 4, [0], true], ["priming 240", 4, [240], true], ["priming 241", 4, [241], false], ["priming 255", 4, [255], false],
    ["low -10", 5, [0xf6], true], ["low -11", 5, [0xf5], false], ["low 15", 5, [15], true], ["low 16", 5, [16], false],
    ["high 19", 6, [19], false], ["high 20", 6, [20], true], ["high 45", 6, [45], true], ["high 46", 6, [46], false], ["high -1", 6, [0xff], false],
    ["reserved 1", 7, [1], false],
    ["double 0 (by insulin type)", 8, [0, 0], true], ["double 1", 8, [1, 0], false], ["double 4", 8, [4, 0], false], ["double 5", 8, [5, 0], true],
    ["double 720", 8, [0xd0, 2], true], ["double 721", 8, [0xd1, 2], false], ["double 0x0100 (high byte alone)", 8, [0, 1], true], ["double 0xffff", 8, [0xff, 0xff], false],
    ["left off 179", 10, [0xb3, 0], false], ["left off 180", 10, [0xb4, 0], true], ["left off 3600", 10, [0x10, 0x0e], true], ["left off 3601", 10, [0x11, 0x0e], false],
    ["left off 0", 10, [0, 0], false],
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
    x.engine.link(23);
    x.engine.trusted = true;
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
    expect((readChar(engine, CH_CONFIG) as Uint8Array).subarray(0, 3)).toEqual(unhex("00 ff 01"));
  });
  it("identical: nothing stored, nothing logged", () => {
    const { engine, log, store } = link();
    engine.write(CH_CONFIG, def());
    expect(store.saves).toBe(0);
    expect(log.count()).toBe(5);
    expect((readChar(engine, CH_CONFIG) as Uint8Array)[0]).toBe(0);
  });
  it("storage failure: result 4, nothing changed", () => {
    const { engine, log, store } = link();
    store.failSave = true;
    engine.write(CH_CONFIG, rapid());
    expect(log.count()).toBe(5);
    expect(decodeConfig(engine.cfg).insulinType).toBe(0);
    expect((readChar(engine, CH_CONFIG) as Uint8Array)[0]).toBe(4);
  });
  it("log failure: result 5, the old block stored again, nothing applied", () => {
    const { engine, log, store } = link();
    store.bytes = def();
    log.failAppend = true;
    engine.write(CH_CONFIG, rapid());
    expect(hex(store.bytes!)).toBe(hex(def()));
    expect(decodeConfig(engine.cfg).insulinType).toBe(0);
    expect((readChar(engine, CH_CONFIG) as Uint8Array)[0]).toBe(5);
  });
  it("a stored block is loaded at start; a corrupt one falls back to defaults", () => {
    const a = exampleEngine();
    const restart = () => new BleEngine({ log: a.log, send: a.sender.send, clock: a.clock, store: a.store });
    a.store.bytes = rapid();
    expect(decodeConfig(restart().cfg).insulinType).toBe(1);
    a.store.bytes = new Uint8Array(5);
    expect(hex(restart().cfg)).toBe(hex(def()));
  });
});

describe("detectConfigFrom", () => {
  // [case, bytes set on the default block {offset: bytes}, the DetectConfig fields expected to differ from
  // defaultDetectConfig(insulin type)]
  const H = 3600;
  const table: [string, Record<number, number[]>, Partial<ReturnType<typeof defaultDetectConfig>>][] = [
    ["default block (not set): 2 h window", {}, { doseMinS: 6, leftOffS: 600, primingWindowS: 120, doubleDoseWindowS: 2 * H, tempMinC: 2, tempMaxC: 30, insulinType: 0 }],
    ["rapid, window by type: 2 h", { 1: [1] }, { insulinType: 1, doubleDoseWindowS: 2 * H }],
    ["basal, window by type: 8 h", { 1: [2] }, { insulinType: 2, doubleDoseWindowS: 8 * H }],
    ["other, window by type: 2 h", { 1: [3] }, { insulinType: 3, doubleDoseWindowS: 2 * H }],
    ["basal with 720 min: the config wins", { 1: [2], 8: [0xd0, 2] }, { insulinType: 2, doubleDoseWindowS: 12 * H }],
    ["rapid with 5 min", { 1: [1], 8: [5, 0] }, { insulinType: 1, doubleDoseWindowS: 300 }],
    ["not set with 90 min", { 8: [90, 0] }, { insulinType: 0, doubleDoseWindowS: 5400 }],
    ["cap check 3 s, left off 180 s", { 3: [3], 10: [0xb4, 0] }, { doseMinS: 3, leftOffS: 180 }],
    ["cap check 8 s, left off 3600 s", { 3: [8], 10: [0x10, 0x0e] }, { doseMinS: 8, leftOffS: 3600 }],
    ["priming window 0 s", { 4: [0] }, { primingWindowS: 0, pairWindowS: 0 }], // 0 switches the pair window off too,
    ["priming window 240 s", { 4: [240] }, { primingWindowS: 240 }],
    ["temperature -10..45 °C", { 5: [0xf6], 6: [45] }, { tempMinC: -10, tempMaxC: 45 }],
    ["temperature 15..20 °C", { 5: [15], 6: [20] }, { tempMinC: 15, tempMaxC: 20 }],
    ["alerts and name do not reach detection", { 2: [0], 12: [0x41, 0x42] }, {}],
  ];
  it.each(table)("%s", (_n, set, diff) => {
    const b = defaultConfig(new Uint8Array(CONFIG_SIZE));
    for (const off of Object.keys(set)) b.set(set[+off], +off);
    expect(validateConfig(b)).toBe(-1);
    const d = detectConfigFrom(decodeConfig(b));
    expect(d).toEqual({ ...defaultDetectConfig(b[1]), ...diff });
  });
  it("every accepted block gives a sane DetectConfig (extremes of every range)", () => {
    const corners: Record<number, number[][]> = {
      1: [[0], [1], [2], [3]], 3: [[3], [8]], 4: [[0], [240]], 5: [[0xf6], [15]], 6: [[20], [45]],
      8: [[0, 0], [5, 0], [0xd0, 2]], 10: [[0xb4, 0], [0x10, 0x0e]],
    };
    const offs = Object.keys(corners).map(Number);
    let n = 0;
    const walk = (i: number, b: Uint8Array) => {
      if (i === offs.length) {
        expect(validateConfig(b)).toBe(-1);
        const d = detectConfigFrom(decodeConfig(b));
        expect(d.settleS).toBeLessThan(d.doseMinS);
        expect(d.doseMinS).toBeLessThan(d.leftOffS);
        expect(d.primingWindowS).toBeLessThan(d.doubleDoseWindowS); // room for the double-dose warning
        expect(d.tempMinC + d.tempHystC).toBeLessThan(d.tempMaxC - d.tempHystC);
        expect(d.leftOffS).toBeLessThanOrEqual(0xffff); // the CAP_LEFT_OFF record's a field
        n++;
        return;
      }
      for (const v of corners[offs[i]]) {
        const c = b.slice();
        c.set(v, offs[i]);
        walk(i + 1, c);
      }
    };
    walk(0, defaultConfig(new Uint8Array(CONFIG_SIZE)));
    expect(n).toBe(4 * 2 * 2 * 2 * 2 * 3 * 2);
  });
  it("returns a new object each time", () => {
    const c = decodeConfig(def());
    expect(detectConfigFrom(c)).not.toBe(detectConfigFrom(c));
  });
});
