// Table-driven traces modelled on real inputs. Virtual time only.
import { describe, it, expect } from "vitest";
import { runDigital, runMag, session, cfgWith, Run } from "./harness";
import {
  T_DOSE, T_CAP_CHECK, T_UNCERTAIN_DOSE, T_CAP_LEFT_OFF, T_TEMP_EXCURSION, F_PRIMING, F_INTERRUPTED,
  SIG_BLINK, SIG_DOUBLE_DOSE, SIG_DOSE_ATTEMPT, SIG_LEFT_OFF, INSULIN_BASAL, INSULIN_RAPID, EXC_HOT, EXC_COLD, tempFromByte,
  isSessionType,
} from "../../firmware/detect/codes";

const types = (r: Run) => r.recs.map((e) => e.type);
const sessionRecs = (r: Run) => r.recs.filter((e) => isSessionType(e.type));

describe("digital hall switch traces", () => {
  const cases: { name: string; edges: [number, boolean][]; expect: number[] }[] = [
    { name: "a 30 ms bounce alone (cap stays on)", edges: [[100, false], [100.01, true], [100.02, false], [100.03, true]], expect: [] },
    { name: "a dose with 30 ms of bounce at both ends", edges: session(100, 130, 0.03), expect: [T_DOSE] },
    { name: "a cap check with bounce", edges: session(100, 102, 0.03), expect: [T_CAP_CHECK] },
    {
      name: "pen dropped on a table: one-sample (200 ms) and shorter openings",
      edges: [[50, false], [50.2, true], [80, false], [80.05, true], [80.1, false], [80.15, true], [90, false], [90.2, true]],
      expect: [],
    },
    {
      name: "pen dropped while the cap is off: brief closures do not split the dose",
      edges: [[100, false], [110, true], [110.2, false], [112, true], [112.1, false], [130, true]],
      expect: [T_DOSE],
    },
    {
      name: "cap clicked twice in a second, the cap never really off between clicks",
      edges: [[10, false], [10.4, true], [10.6, false], [10.9, true]],
      expect: [T_CAP_CHECK],
    },
    {
      name: "cap clicked twice in a second as two separate removals",
      edges: [[10, false], [10.35, true], [10.7, false], [11.05, true]],
      expect: [T_CAP_CHECK, T_CAP_CHECK],
    },
    { name: "exactly the dose minimum counts", edges: session(100, 106), expect: [T_DOSE] },
    { name: "just under the dose minimum is a cap check", edges: session(100, 105.9), expect: [T_CAP_CHECK] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = runDigital(c.edges);
      expect(types(r)).toEqual(c.expect);
      for (const e of r.recs) expect(e.at - e.t1).toBeLessThanOrEqual(1); // latency on virtual time
    });
  }

  it("a dose record carries duration, temperature, unknown units and the insulin type", () => {
    const r = runDigital(session(100, 130, 0.03), { temp: () => 23.4 });
    const d = r.recs[0];
    expect(d.type).toBe(T_DOSE);
    expect(d.t0).toBeCloseTo(100.03, 5); // the stable run starts after the last bounce
    expect(d.t1).toBeCloseTo(130.03, 5);
    expect(d.a).toBe(30);
    expect(tempFromByte(d.b & 0xff)).toBe(23);
    expect(d.b >> 8).toBe(0xff);
    expect((d.flags >> 4) & 3).toBe(INSULIN_RAPID);
    expect(d.at).toBeCloseTo(130.33, 5); // last bounce + settle time
  });

  it("cap left off overnight: alert at the limit, uncertain dose at recap", () => {
    const r = runDigital(session(22 * 3600, 31 * 3600), { temp: () => 21 });
    expect(types(r)).toEqual([T_CAP_LEFT_OFF, T_UNCERTAIN_DOSE]);
    const [alert, dose] = r.recs;
    expect(alert.at).toBeCloseTo(22 * 3600 + 600, 5);
    expect(alert.a).toBe(600);
    expect(tempFromByte(alert.b & 0xff)).toBe(21);
    expect(dose.a).toBe(9 * 3600);
    expect(dose.at - 31 * 3600).toBeLessThanOrEqual(1);
    expect(r.sigs.filter((s) => s.code === SIG_LEFT_OFF).length).toBe(1);
  });

  it("after a cap left off overnight, breakfast is not a double dose: the last dose counts from the removal", () => {
    const r = runDigital([...session(22 * 3600, 31 * 3600), ...session(31.5 * 3600, 31.5 * 3600 + 30)], { cfg: cfgWith({}, INSULIN_BASAL) });
    expect(r.sigs.filter((s) => s.code === SIG_DOUBLE_DOSE)).toEqual([]);
    expect(r.sigs.filter((s) => s.code === SIG_BLINK).map((s) => s.arg)).toEqual([0, 8]);
  });

  it("a cap back 0.1 s before the limit is a dose, not an alert", () => {
    const r = runDigital(session(1000, 1599.9));
    expect(types(r)).toEqual([T_DOSE]);
  });

  it("priming then injection in one session: one dose, no priming flag", () => {
    const r = runDigital(session(1000, 1045, 0.03));
    expect(r.recs.map((e) => [e.type, e.flags & F_PRIMING])).toEqual([[T_DOSE, 0]]);
  });

  it("priming, recap, injection: the second dose carries the priming hint for the first", () => {
    const r = runDigital([...session(1000, 1020, 0.03), ...session(1065, 1095, 0.03)]);
    expect(r.recs.map((e) => [e.type, e.flags & F_PRIMING])).toEqual([[T_DOSE, 0], [T_DOSE, F_PRIMING]]);
    // inside the pair window: the quiet cue (red, the pen was just used), never the buzzer alarm
    expect(r.sigs.filter((s) => s.code === SIG_DOUBLE_DOSE)).toHaveLength(1);
    expect(r.sigs.filter((s) => s.code === SIG_DOSE_ATTEMPT)).toEqual([]);
    for (const e of r.recs) expect(e.at - e.t1).toBeLessThanOrEqual(1);
  });

  it("a quick prime with the needle already on is a cap check, then the dose: nothing flagged", () => {
    const r = runDigital([...session(1000, 1004), ...session(1030, 1060)]);
    expect(r.recs.map((e) => [e.type, e.flags & F_PRIMING])).toEqual([[T_CAP_CHECK, 0], [T_DOSE, 0]]);
  });

  it("a cap check soon after a dose never marks the dose as priming", () => {
    const r = runDigital([...session(1000, 1030), ...session(1090, 1092)]);
    expect(r.recs.map((e) => [e.type, e.flags & F_PRIMING])).toEqual([[T_DOSE, 0], [T_CAP_CHECK, 0]]);
  });

  it("a second dose after the pair window (10 min) is not flagged, and the alarm sounds", () => {
    const r = runDigital([...session(1000, 1030), ...session(1700, 1730)]);
    expect(r.recs.map((e) => e.flags & F_PRIMING)).toEqual([0, 0]);
    expect(r.sigs.filter((s) => s.code === SIG_DOSE_ATTEMPT).map((s) => s.at)).toEqual([1704]);
  });

  for (const gapMin of [4, 5, 6]) {
    it(`air shot, recap, injection ${gapMin} min later: a possible pair on the record, no alarm (the prime is not told as a dose)`, () => {
      const t2 = 1020 + gapMin * 60;
      const r = runDigital([...session(1000, 1020), ...session(t2, t2 + 30)]);
      expect(r.recs.map((e) => [e.type, e.flags & F_PRIMING])).toEqual([[T_DOSE, 0], [T_DOSE, F_PRIMING]]);
      expect(r.sigs.filter((s) => s.code === SIG_DOUBLE_DOSE)).toHaveLength(1); // the quiet cue still tells
      expect(r.sigs.filter((s) => s.code === SIG_DOSE_ATTEMPT)).toEqual([]);
    });
  }

  it("air shot, recap, injection exactly 10 min after the recap: still within the pair window (flagged, no alarm)", () => {
    const r = runDigital([...session(1000, 1020), ...session(1620, 1650)]);
    expect(r.recs.map((e) => [e.type, e.flags & F_PRIMING])).toEqual([[T_DOSE, 0], [T_DOSE, F_PRIMING]]);
    expect(r.sigs.filter((s) => s.code === SIG_DOSE_ATTEMPT)).toEqual([]);
  });

  it("a second injection within 120 s: the quiet cue at the removal (a double dose is not hidden), the pair flagged", () => {
    const r = runDigital([...session(1000, 1030), ...session(1090, 1120)]);
    expect(r.sigs.filter((s) => s.code === SIG_DOUBLE_DOSE).map((s) => s.at - 1090)).toEqual([expect.any(Number)]);
    expect(r.recs.map((e) => [e.type, e.flags & F_PRIMING])).toEqual([[T_DOSE, 0], [T_DOSE, F_PRIMING]]);
  });

  const dd: { name: string; insulin: number; gapH: number; warn: boolean }[] = [
    { name: "rapid, 30 min later", insulin: INSULIN_RAPID, gapH: 0.5, warn: true },
    { name: "rapid, 1.9 h later", insulin: INSULIN_RAPID, gapH: 1.9, warn: true },
    { name: "rapid, exactly 2 h later (0 <= s <= the window, docs/detection.md)", insulin: INSULIN_RAPID, gapH: 2, warn: true },
    { name: "rapid, 3 h later", insulin: INSULIN_RAPID, gapH: 3, warn: false },
    { name: "basal, 6 h later", insulin: INSULIN_BASAL, gapH: 6, warn: true },
    { name: "basal, exactly 8 h later", insulin: INSULIN_BASAL, gapH: 8, warn: true },
    { name: "basal, 9 h later", insulin: INSULIN_BASAL, gapH: 9, warn: false },
  ];
  for (const c of dd) {
    it(`double-dose warning: ${c.name} -> ${c.warn ? "cue at the removal, alarm at 4 s" : "nothing"}`, () => {
      const t2 = 1030 + c.gapH * 3600;
      const r = runDigital([...session(1000, 1030), ...session(t2, t2 + 30)], { cfg: cfgWith({}, c.insulin) });
      const w = r.sigs.filter((s) => s.code === SIG_DOUBLE_DOSE);
      const alarm = r.sigs.filter((s) => s.code === SIG_DOSE_ATTEMPT);
      expect(w.length).toBe(c.warn ? 1 : 0);
      expect(alarm.length).toBe(c.warn ? 1 : 0);
      if (c.warn) {
        expect(w[0].at - t2).toBeLessThanOrEqual(1); // the quiet cue at the removal
        expect(w[0].arg).toBeCloseTo(c.gapH * 3600, 3);
        expect(alarm[0].at - t2).toBeCloseTo(4, 3); // the alarm before the patient can have injected
        expect(alarm[0].arg).toBeCloseTo(c.gapH * 3600 + 4, 3);
      }
      expect(types(r)).toEqual([T_DOSE, T_DOSE]);
    });
  }

  it("blink code on every removal: long blink (0) with no dose known, then hours since the last dose", () => {
    const r = runDigital([...session(1000, 1030), ...session(1030 + 2.5 * 3600, 1030 + 2.5 * 3600 + 3), ...session(40000, 40030)]);
    const b = r.sigs.filter((s) => s.code === SIG_BLINK).map((s) => s.arg);
    expect(b).toEqual([0, 3, 8]);
  });

  it("a look at the pen (a cap check) is not a dose: the blink code and the window still count from the dose", () => {
    // dose ends at 1030; a 2 s look 30 min later; a removal 1.5 h after the dose; one 2.5 h after it
    const r = runDigital([...session(1000, 1030), ...session(2830, 2832), ...session(1030 + 5400, 1030 + 5403), ...session(1030 + 9000, 1030 + 9030)]);
    expect(types(r)).toEqual([T_DOSE, T_CAP_CHECK, T_CAP_CHECK, T_DOSE]);
    expect(r.sigs.filter((s) => s.code === SIG_BLINK).map((s) => s.arg)).toEqual([0, 1, 2, 3]);
    // 2.5 h after the dose is outside the rapid window: no cue, although the last look was 1 h before
    expect(r.sigs.filter((s) => s.code === SIG_DOUBLE_DOSE)).toHaveLength(2);
    expect(r.sigs.filter((s) => s.code === SIG_DOSE_ATTEMPT)).toEqual([]);
  });

  it("a seeded last dose is used by the blink code and the warning", () => {
    const r = runDigital(session(3600, 3630), { lastDoseT: 0 });
    expect(r.sigs.map((s) => [s.code, s.arg])).toEqual([[SIG_DOUBLE_DOSE, 3600], [SIG_BLINK, 2], [SIG_DOSE_ATTEMPT, 3604]]);
  });

  it("a look inside the window (under 4 s): the quiet cue only, no alarm", () => {
    const r = runDigital([...session(1000, 1030), ...session(3000, 3003), ...session(5000, 5002.5)]);
    expect(r.sigs.filter((s) => s.code === SIG_DOUBLE_DOSE)).toHaveLength(2);
    expect(r.sigs.filter((s) => s.code === SIG_DOSE_ATTEMPT)).toEqual([]);
  });

  it("the alarm's deadline and the last dose move with a clock set while the cap is off", () => {
    const r = runDigital([...session(1000, 1030), [3000, false]], { endAt: 3001 });
    const shift = 1_700_000_000;
    r.det.timeShift(shift);
    expect(r.det.nextDeadline()).toBeCloseTo(shift + 3004, 3);
    r.det.tick(shift + 3003.9);
    expect(r.sigs.filter((s) => s.code === SIG_DOSE_ATTEMPT)).toEqual([]);
    r.det.tick(shift + 3004);
    expect(r.sigs.filter((s) => s.code === SIG_DOSE_ATTEMPT).map((s) => s.arg)).toEqual([3004 - 1030]);
  });
});

describe("temperature", () => {
  it("a hot afternoon: excursion with its duration and peak, split at the removal; the dose carries the temperature", () => {
    // 25 °C, then 33-35 °C from 2 h to 4 h, then 24 °C; a dose at 2.5 h
    const temp = (t: number) => (t >= 7200 && t < 14400 ? (t < 10800 ? 33 : 35) : t >= 14400 ? 24 : 25);
    const r = runDigital(session(9000, 9030), { temp, endAt: 20000 });
    expect(types(r)).toEqual([T_TEMP_EXCURSION, T_DOSE, T_TEMP_EXCURSION]);
    const [before, dose, after] = r.recs;
    expect(tempFromByte(dose.b & 0xff)).toBe(33);
    for (const e of [before, after]) expect(e.b >> 8).toBe(EXC_HOT);
    expect(tempFromByte(before.b & 0xff)).toBe(33);
    expect(tempFromByte(after.b & 0xff)).toBe(35);
    // first sample at or after 7200 s and first back inside: 300 s resolution
    expect(Math.abs(before.t0 - 7200)).toBeLessThanOrEqual(300);
    expect(before.t1).toBe(9000);
    expect(Math.abs(before.a + after.a - 120)).toBeLessThanOrEqual(6);
    expect(after.at - 14400).toBeLessThanOrEqual(300);
  });

  it("an excursion in progress at a cap removal is logged up to the removal, before the dose; the rest later", () => {
    const temp = (t: number) => (t >= 3600 && t < 4 * 3600 ? 36 : 22);
    const r = runDigital(session(2 * 3600, 2 * 3600 + 30), { temp, endAt: 5 * 3600 });
    expect(types(r)).toEqual([T_TEMP_EXCURSION, T_DOSE, T_TEMP_EXCURSION]);
    const [first, dose, rest] = r.recs;
    expect(first.t1).toBe(dose.t0);
    expect(first.at).toBeLessThanOrEqual(dose.at);
    expect(rest.t0).toBe(first.t1);
    expect(first.a + rest.a).toBeGreaterThanOrEqual(180);
    expect(first.a + rest.a).toBeLessThanOrEqual(187);
    expect(tempFromByte(dose.b & 0xff)).toBe(36);
  });

  it("cold: frozen pen in a car at -3 °C for an hour, logged once it ends", () => {
    const temp = (t: number) => (t >= 3600 && t < 7200 ? -3 : 10);
    const r = runDigital([], { temp, endAt: 10000 });
    expect(types(r)).toEqual([T_TEMP_EXCURSION]);
    expect(r.recs[0].b >> 8).toBe(EXC_COLD);
    expect(tempFromByte(r.recs[0].b & 0xff)).toBe(-3);
  });

  it("hysteresis: readings hovering at 29.9-30.2 °C give at most one excursion", () => {
    const temp = (t: number) => (Math.floor(t / 300) % 2 ? 30.2 : 29.9);
    const r = runDigital([], { temp, endAt: 6 * 3600 });
    expect(r.recs.filter((e) => e.type === T_TEMP_EXCURSION).length).toBeLessThanOrEqual(1);
  });

  it("is sampled at the configured low rate (one deadline per 5 min while nothing happens)", () => {
    const r = runDigital([], { endAt: 24 * 3600 });
    expect(r.ticks).toBe(288);
  });

  it("unknown temperature (host build) is stored as 0x80", () => {
    const r = runDigital(session(100, 130), { temp: () => NaN });
    expect(r.recs[0].b & 0xff).toBe(0x80);
  });
});

describe("magnetometer traces (Puck.js, 2.5 Hz)", () => {
  const ON = 3500;
  const OFF = 200;
  it("a dose: cap off 100-140 s", () => {
    const r = runMag((t) => (t >= 100 && t < 140 ? OFF : ON), { endAt: 300 });
    expect(types(r)).toEqual([T_DOSE]);
    expect(Math.abs(r.recs[0].a - 40)).toBeLessThanOrEqual(1);
    expect(r.recs[0].at - 140).toBeLessThanOrEqual(1);
  });

  it("a magnet wobbling at the on threshold (cap on, loose fit) never toggles", () => {
    const r = runMag((t, i) => (t < 60 ? ON : i % 2 ? 2400 : 2600), { endAt: 1200 });
    expect(r.recs).toEqual([]);
    expect(r.caps).toEqual([]);
  });

  it("a magnet wobbling at the off threshold, alternate samples, never toggles", () => {
    const r = runMag((t, i) => (t < 60 ? ON : i % 2 ? 1400 : 1600), { endAt: 1200 });
    expect(r.recs).toEqual([]);
  });

  it("approaching slowly through the band between thresholds: one clean transition", () => {
    // cap off from 10 s; put back slowly from 40 s to 50 s (field ramps 200 -> 3500)
    const f = (t: number) => (t < 10 ? ON : t < 40 ? OFF : t < 50 ? OFF + ((ON - OFF) * (t - 40)) / 10 : ON);
    const r = runMag(f, { endAt: 120 });
    expect(types(r)).toEqual([T_DOSE]);
    expect(r.caps.length).toBe(2);
  });

  it("pen dropped on a table: single-sample spikes do not make sessions, with the cap on or off", () => {
    const f = (t: number, i: number) => {
      const off = t >= 100 && t < 130;
      if (i === 50 || i === 120 || i === 300) return off ? 4000 : 100; // one-sample spikes
      return off ? OFF : ON;
    };
    const r = runMag(f, { endAt: 200 });
    expect(types(r)).toEqual([T_DOSE]);
  });

  it("at 1.25 Hz two-sample confirmation would miss the 1 s latency (why 2.5 Hz)", () => {
    const r = runMag((t) => (t >= 100.01 && t < 140.01 ? OFF : ON), { endAt: 300, hz: 1.25 });
    expect(r.recs[0].at - 140.01).toBeGreaterThan(1);
    const r2 = runMag((t) => (t >= 100.01 && t < 140.01 ? OFF : ON), { endAt: 300, hz: 2.5 });
    expect(r2.recs[0].at - 140.01).toBeLessThanOrEqual(0.8 + 1e-9);
  });
});

describe("clock set while the cap is off", () => {
  it("timeShift keeps the session's true duration and the left-off deadline", () => {
    const r = runDigital([[100, false]], { endAt: 200 });
    const shift = 1_700_000_000;
    r.det.timeShift(shift);
    expect(r.det.nextDeadline()).toBeCloseTo(shift + 400, 3); // temperature deadline (sampled at the removal) moved too
    r.det.edge(shift + 130, true);
    r.det.tick(shift + 131);
    expect(r.recs.map((e) => [e.type, e.a, e.t0])).toEqual([[T_DOSE, 30, shift + 100]]);
  });
});

describe("reboots", () => {
  it("cap off at boot: one UNCERTAIN_DOSE flagged interrupted at recap, nothing before", () => {
    const r = runDigital([[50, true]], { capOnAtStart: false, interrupted: true, endAt: 5000 });
    expect(r.recs.map((e) => [e.type, e.flags & F_INTERRUPTED])).toEqual([[T_UNCERTAIN_DOSE, F_INTERRUPTED]]);
    expect(r.recs[0].a).toBe(50);
    expect(r.caps.map((c) => c.on)).toEqual([false, true]); // marker written at boot, cleared at recap
  });

  it("an interrupted session never becomes a CAP_CHECK even if the cap returns at once", () => {
    const r = runDigital([[0.5, true]], { capOnAtStart: false, interrupted: true });
    expect(types(r)).toEqual([T_UNCERTAIN_DOSE]);
  });

  it("a session that ended during the reboot writes exactly one record", () => {
    const r = runDigital([]);
    expect(r.recs).toEqual([]);
    r.det.emitSession(T_UNCERTAIN_DOSE, F_INTERRUPTED, 10, 10); // what boot does for BOOT_LOG_INTERRUPTED
    expect(sessionRecs(r).map((e) => [e.type, e.flags & F_INTERRUPTED, e.a])).toEqual([[T_UNCERTAIN_DOSE, F_INTERRUPTED, 0]]);
  });
});
