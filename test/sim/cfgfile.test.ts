// The config file pencap.cfg (docs/config.md "In flash"): the firmware's codec (firmware/config/cfgfile.ts)
// against the documented bytes, and flash.sh's PREPARE (scripts/flash/cfgfile.mjs) run on the simulator's Storage.
import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { CFG_FILE_SIZE, CFG_SLOTS, CFG_KIND_CONFIG, CFG_KIND_MAG, cfgHead, cfgScan, cfgSeal } from "../../firmware/config/cfgfile";
import { setCrc32 } from "../../firmware/log/record";
import * as mjs from "../../scripts/flash/cfgfile.mjs";
import { crc32 } from "../../sim/bytes.js";
import { SimDevice } from "../../sim/device.js";
import { EspruinoStorage } from "../../sim/storage.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex").replace(/(..)(?!$)/g, "$1 ");
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const md = readFileSync("docs/config.md", "utf8");
const vector = (name: string) => unhex(new RegExp("```vector " + name + "\\n([^`]*)```").exec(md)![1]);

function emptyFile(): Uint8Array {
  const f = new Uint8Array(CFG_FILE_SIZE).fill(0xff);
  cfgHead(f);
  return f;
}
function slot(payload: Uint8Array, seq: number): Uint8Array {
  const s = new Uint8Array(32);
  cfgSeal(s, payload, seq);
  return s;
}
const payload = Uint8Array.from({ length: 28 }, (_, i) => i + 1);

describe("pencap.cfg codec", () => {
  beforeAll(() => setCrc32((b, off, len) => crc32(b.subarray(off, off + len))));
  it("the flash-time snippet uses the firmware's layout", () => {
    expect([mjs.FILE_SIZE, mjs.SLOTS, mjs.KIND_CONFIG, mjs.KIND_MAG, mjs.HEAD + mjs.SLOT * mjs.SLOTS]).toEqual([CFG_FILE_SIZE, CFG_SLOTS, CFG_KIND_CONFIG, CFG_KIND_MAG, CFG_FILE_SIZE]);
    expect(CFG_FILE_SIZE).toBe(520);
  });
  it("head and a slot are the documented bytes (check as computed by E.CRC32 on the 2v29 host build)", () => {
    expect(hex(emptyFile().subarray(0, 8))).toBe(hex(vector("cfg-head")));
    expect(hex(slot(payload, 1))).toBe(hex(vector("cfg-slot")));
  });
  it("scan: newest valid slot of a kind, next slot after the last non-blank one, sequence", () => {
    const seq = new Uint16Array(1);
    const f = emptyFile();
    expect([cfgScan(f, -1, seq), seq[0], cfgScan(f, CFG_KIND_CONFIG)]).toEqual([8, 1, -1]);
    f.set(slot(payload, 1), 8);
    const mag = new Uint8Array(28);
    mag[0] = CFG_KIND_MAG;
    f.set(slot(mag, 2), 40);
    const p2 = payload.slice();
    p2[5] = 99;
    f.set(slot(p2, 3), 72);
    expect([cfgScan(f, -1, seq), seq[0], cfgScan(f, CFG_KIND_CONFIG), cfgScan(f, CFG_KIND_MAG)]).toEqual([104, 4, 72, 40]);
    // a torn slot: bytes 0..29 written, the check still erased: not valid, and skipped by the next write
    const torn = slot(payload, 4);
    torn[30] = torn[31] = 0xff;
    f.set(torn, 104);
    expect([cfgScan(f, -1, seq), seq[0], cfgScan(f, CFG_KIND_CONFIG)]).toEqual([136, 4, 72]);
    // a check of 0xFFFF is stored as 0, so an erased check never matches
    for (let o = 136; o < CFG_FILE_SIZE; o += 32) f.set(slot(payload, 9), o);
    expect(cfgScan(f, -1, seq)).toBe(-1); // full
    expect(cfgScan(f, CFG_KIND_CONFIG)).toBe(CFG_FILE_SIZE - 32);
    // not a file of this layout
    expect(cfgScan(undefined, -1, seq)).toBe(-2);
    expect(cfgScan(f.subarray(0, 28), CFG_KIND_CONFIG)).toBe(-2);
    const bad = emptyFile();
    bad[6] = 32;
    expect(cfgScan(bad, -1, seq)).toBe(-2);
  });
});

describe("flash.sh's PREPARE on the simulator's Storage", () => {
  function device(): { d: SimDevice; st: EspruinoStorage } {
    const d = new SimDevice({ bundle: "", installBundle: false });
    return { d, st: new EspruinoStorage(d.flash, d.board.storageAddress, d.board.storagePages) };
  }
  const headers = (st: EspruinoStorage) => st.stats().fileCount + st.stats().trashCount;
  it("creates the file, keeps it while at most half its slots are used, then renews it with the newest config and baseline", () => {
    const { d, st } = device();
    expect(d.prepareConfigFile()).toBe("PENCAP_CFGFILE created 0");
    expect(hex(st.readBytes("pencap.cfg")!)).toBe(hex(emptyFile()));
    const mag = new Uint8Array(28);
    mag[0] = CFG_KIND_MAG;
    new DataView(mag.buffer).setFloat32(4, 1.5, true);
    st.write("pencap.cfg", slot(mag, 1), 8);
    for (let i = 1; i < CFG_SLOTS / 2; i++) st.write("pencap.cfg", slot(payload.map((b) => b + i), i + 1), 8 + 32 * i);
    const n = headers(st);
    expect(d.prepareConfigFile()).toBe(`PENCAP_CFGFILE kept ${CFG_SLOTS / 2}`);
    expect(headers(st)).toBe(n); // kept: nothing written
    st.write("pencap.cfg", slot(payload, 99), 8 + 32 * (CFG_SLOTS / 2));
    expect(d.prepareConfigFile()).toBe("PENCAP_CFGFILE renewed 2");
    const f = st.readBytes("pencap.cfg")!;
    const want = emptyFile();
    want.set(slot(payload, 1), 8);
    want.set(slot(mag, 2), 40);
    expect(hex(f)).toBe(hex(want));
  });
  it("migrates an older flash.sh's 28-byte config file and JSON baseline", () => {
    const { d, st } = device();
    st.write("pencap.cfg", payload);
    st.write("pencap.mag", new Uint8Array(Buffer.from("[1.5,-2,300]")));
    expect(d.prepareConfigFile()).toBe("PENCAP_CFGFILE migrated 2");
    expect(st.list()).toEqual(["pencap.cfg"]);
    const f = st.readBytes("pencap.cfg")!;
    expect(hex(f.subarray(8, 40))).toBe(hex(slot(payload, 1)));
    const dv = new DataView(f.buffer, f.byteOffset + 40, 32);
    expect([f[40], dv.getFloat32(4, true), dv.getFloat32(8, true), dv.getFloat32(12, true)]).toEqual([CFG_KIND_MAG, 1.5, -2, 300]);
    expect(cfgScan(f, CFG_KIND_MAG)).toBe(40);
  });
});
