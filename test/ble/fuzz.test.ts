// 100,000+ random writes to every writable characteristic of the pure engine (seeded PRNG): nothing
// throws, and nothing changes (log, config, clock) except through a request the protocol defines as valid.
import { describe, expect, it } from "vitest";
import { turn } from "../turn.js";
import { CH_CONFIG, CH_RACP, CH_TIME } from "../../firmware/ble/uuids";
import { exampleEngine } from "./fixture";
import { hex } from "./fake-log";

const N = 100_000;

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fresh(bonded: boolean) {
  const x = exampleEngine();
  x.engine.link(23);
  x.engine.trusted = bonded;
  x.sender.take();
  return x;
}

/** Independent reading of docs/config.md's ranges (not the firmware's validator). */
function configValid(d: Uint8Array): boolean {
  if (d.length !== 28) return false;
  const i8 = (v: number) => (v > 127 ? v - 256 : v);
  const u16 = (o: number) => d[o] | (d[o + 1] << 8);
  if (d[0] !== 1 || d[1] > 3 || d[2] > 15 || d[3] < 3 || d[3] > 8 || d[4] > 240 || d[7] !== 0) return false;
  if (i8(d[5]) < -10 || i8(d[5]) > 15 || i8(d[6]) < 20 || i8(d[6]) > 45) return false;
  if ((u16(8) !== 0 && (u16(8) < 5 || u16(8) > 720)) || u16(10) < 180 || u16(10) > 3600) return false;
  const name = [...d.subarray(12)];
  const end = name.indexOf(0);
  const text = end < 0 ? name : name.slice(0, end);
  if (end >= 0 && name.slice(end).some((c) => c !== 0)) return false;
  return text.every((c) => c >= 0x20 && c <= 0x7e);
}

describe("fuzz: random writes to the pure engine", () => {
  it(`RACP: ${N} writes, bonded and not`, async () => {
    const rnd = prng(7);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    let x = fresh(true);
    let bonded = true;
    const stats = { ok: 0, mutations: 0, refused: 0 };
    for (let i = 0; i < N; i++) {
      if (i % 2000 === 1999) await turn();
      if (i % 1000 === 0) {
        bonded = rnd() < 0.8;
        x = fresh(bonded);
        x.engine.capConfirmed = rnd() < 0.5;
      }
      let d: Uint8Array;
      if (rnd() < 0.4) {
        // well-formed shapes with random values: these reach the success and "no records" paths
        const s = () => [Math.floor(rnd() * 10), 0, 0, rnd() < 0.05 ? 1 : 0];
        d = new Uint8Array(pick([
          [1, 1], [1, 5], [1, 6], [4, 1], [2, 1], [3, 0], [1, 2, 1, ...s()], [1, 3, 1, ...s()], [4, 3, 1, ...s()],
          [1, 4, 1, ...s(), ...s()], [2, 2, 1, ...s()], [0xa1, 0, ...s(), Math.floor(rnd() * 256)],
        ]));
      } else {
        d = new Uint8Array(Math.floor(rnd() * 12));
        for (let k = 0; k < d.length; k++) d[k] = rnd() < 0.7 ? Math.floor(rnd() * 12) : Math.floor(rnd() * 256);
        if (d.length > 0 && rnd() < 0.7) d[0] = pick([1, 2, 3, 4, 0xa1, 5, 6, 0, 7]);
        if (d.length > 2 && rnd() < 0.6) d[2] = 1;
      }
      const len = d.length;
      const seqBefore = x.log.nextSeq;
      const cfgBefore = hex(x.engine.cfg);
      const clockBefore = x.clock.t;
      const att = x.engine.write(CH_RACP, d);
      x.engine.racp.pump();
      const pk = x.sender.take();
      expect(hex(x.engine.cfg)).toBe(cfgBefore);
      expect(x.clock.t).toBe(clockBefore);
      if (!bonded) {
        expect(att).toBe(0x05);
        expect(pk.length).toBe(0);
        expect(x.log.nextSeq).toBe(seqBefore);
        stats.refused++;
        continue;
      }
      expect(att).toBe(0);
      const answers = pk.filter((p) => p.ch === CH_RACP).map((p) => p.data);
      expect(answers.length).toBe(1); // every request gets exactly one answer
      const a = answers[0];
      const op = len ? d[0] : 0;
      if (a[0] === 0x05) expect(op).toBe(0x04);
      else expect([a[0], a[1], a[2]]).toEqual([0x06, 0x00, op]);
      const success = a[0] === 0x06 && a[3] === 0x01;
      if ((op === 0x02 || op === 0xa1) && success) {
        stats.mutations++;
        expect(x.log.nextSeq).toBe(seqBefore + 1);
        const r = new Uint8Array(16);
        x.log.readFrom(seqBefore, r);
        expect(r[8]).toBe(op === 0x02 ? 0x0c : 0x09);
      } else {
        expect(x.log.nextSeq).toBe(seqBefore);
      }
      if (success) stats.ok++;
      expect(x.engine.racp.reporting).toBe(false);
    }
    expect(stats.ok).toBeGreaterThan(1000);
    expect(stats.mutations).toBeGreaterThan(50);
    expect(stats.refused).toBeGreaterThan(5000);
  });

  it(`Device Time: ${N} writes`, async () => {
    const rnd = prng(11);
    let x = fresh(true);
    let bonded = true;
    let changes = 0;
    for (let i = 0; i < N; i++) {
      if (i % 2000 === 1999) await turn();
      if (i % 1000 === 0) {
        bonded = rnd() < 0.8;
        x = fresh(bonded);
        x.engine.capConfirmed = rnd() < 0.5; // the cap in hand (pairing window) or not
        if (rnd() < 0.5) x.engine.racp.tokens = 1e9; // half the runs without the app-record rate limit
      }
      const len = rnd() < 0.8 ? 4 : Math.floor(rnd() * 8);
      const d = new Uint8Array(len);
      for (let k = 0; k < len; k++) d[k] = Math.floor(rnd() * 256);
      if (len === 4 && rnd() < 0.5) d[3] = 0x40 + Math.floor(rnd() * 0x40); // often inside 2004..2106
      const seqBefore = x.log.nextSeq;
      const cfgBefore = hex(x.engine.cfg);
      const clockBefore = x.clock.t;
      const budget = x.engine.racp.tokens >= 1; // the fake clock moves only by these writes: no refill
      const att = x.engine.write(CH_TIME, d);
      expect(hex(x.engine.cfg)).toBe(cfgBefore);
      const v = len === 4 ? (d[0] | (d[1] << 8) | (d[2] << 16) | (d[3] << 24)) >>> 0 : -1;
      const small = Math.abs(v - Math.floor(clockBefore)) <= 900; // a set clock jumps further only with the cap in hand
      const allowed = bonded && len === 4 && v >= 946684800 && v <= 4102444799 && v !== Math.floor(clockBefore) && (small || x.engine.capConfirmed);
      const valid = allowed && budget;
      expect(att).toBe(bonded ? 0 : 0x05);
      if (allowed && !budget) expect(x.engine.value(CH_TIME)[5]).toBe(0x82);
      if (valid) {
        changes++;
        expect(x.clock.t).toBe(v);
        expect(x.log.nextSeq).toBe(seqBefore + 1);
      } else {
        expect(x.clock.t).toBe(clockBefore);
        expect(x.log.nextSeq).toBe(seqBefore);
      }
    }
    expect(changes).toBeGreaterThan(1000);
  });

  it(`Config: ${N} writes`, async () => {
    const rnd = prng(13);
    let x = fresh(true);
    let bonded = true;
    let changes = 0;
    const base = [1, 1, 15, 6, 120, 2, 30, 0, 0, 0, 0x58, 0x02, 0x4e, 0x6f, 0x76, 0x6f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < N; i++) {
      if (i % 2000 === 1999) await turn();
      if (i % 1000 === 0) {
        bonded = rnd() < 0.8;
        x = fresh(bonded);
        if (rnd() < 0.5) x.engine.racp.tokens = 1e9; // half the runs without the app-record rate limit
      }
      let d: Uint8Array;
      if (rnd() < 0.85) {
        d = new Uint8Array(base); // a valid block with a few random bytes changed
        const n = Math.floor(rnd() * 3);
        for (let k = 0; k < n; k++) d[Math.floor(rnd() * 28)] = rnd() < 0.5 ? Math.floor(rnd() * 64) : Math.floor(rnd() * 256);
      } else {
        d = new Uint8Array(Math.floor(rnd() * 40));
        for (let k = 0; k < d.length; k++) d[k] = Math.floor(rnd() * 256);
      }
      const seqBefore = x.log.nextSeq;
      const cfgBefore = hex(x.engine.cfg);
      const clockBefore = x.clock.t;
      const budget = x.engine.racp.tokens >= 1;
      const att = x.engine.write(CH_CONFIG, d);
      expect(att).toBe(bonded ? 0 : 0x05);
      expect(x.clock.t).toBe(clockBefore);
      const alertOff = (x.engine.cfg[2] & ~d[2] & 0xff) !== 0; // an alert switched off needs the cap in hand
      const allowed = bonded && configValid(d) && hex(d) !== cfgBefore && (!alertOff || x.engine.capConfirmed);
      const valid = allowed && budget;
      if (allowed && !budget) expect(x.engine.value(CH_CONFIG)[0]).toBe(0x82);
      if (valid) {
        changes++;
        expect(hex(x.engine.cfg)).toBe(hex(d));
        expect(hex(x.store.bytes!)).toBe(hex(d));
        expect(x.log.nextSeq).toBe(seqBefore + 1);
      } else {
        expect(hex(x.engine.cfg)).toBe(cfgBefore);
        expect(x.log.nextSeq).toBe(seqBefore);
      }
    }
    expect(changes).toBeGreaterThan(2000);
  });

  it("20,000 random writes with a congested radio and random link drops never throw or lose state", async () => {
    const rnd = prng(17);
    const x = fresh(true);
    for (let i = 0; i < 20_000; i++) {
      if (i % 2000 === 1999) await turn();
      x.sender.room = Math.floor(rnd() * 4);
      const r = rnd();
      if (r < 0.05) {
        x.engine.link(0);
        x.engine.link(rnd() < 0.5 ? 23 : 53);
        x.engine.trusted = true;
      } else if (r < 0.5) x.engine.racp.pump();
      else {
        const d = new Uint8Array(Math.floor(rnd() * 12));
        for (let k = 0; k < d.length; k++) d[k] = Math.floor(rnd() * 8);
        const before = x.log.nextSeq;
        x.engine.write(CH_RACP, d);
        if (d[0] !== 0x02 && d[0] !== 0xa1) expect(x.log.nextSeq).toBe(before);
      }
      x.sender.take();
    }
  });
});
