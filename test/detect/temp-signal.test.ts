// The temperature-excursion signal (SIG_TEMP): raised at the sample that starts an excursion (arg 1 hot,
// 2 cold), lowered (arg 0) at the sample that ends it, decided by the same hysteresis as the record
// (docs/detection.md "Temperature"). Pure machine, virtual time, 300 s sampling, range 2–30 °C, hysteresis 0.5 °C.
import { describe, expect, it } from "vitest";
import { runDigital, session, cfgWith } from "./harness";
import { DetectSink } from "../../firmware/detect/machine";
import { CapDetector } from "../../firmware/detect/detector";
import { SIG_TEMP, T_TEMP_EXCURSION, T_DOSE, EXC_HOT, EXC_COLD, tempFromByte } from "../../firmware/detect/codes";

const P = 300; // default tempPeriodS

/** Readings per sample (sample i at i × 300 s, the first at start()); the last one holds afterwards. */
function runSamples(temps: number[]) {
  const temp = (t: number) => temps[Math.min(Math.round(t / P), temps.length - 1)];
  const r = runDigital([], { temp, endAt: (temps.length - 1) * P + 1 });
  return {
    sigs: r.sigs.filter((s) => s.code === SIG_TEMP).map((s) => [s.at / P, s.arg]),
    recs: r.recs.filter((e) => e.type === T_TEMP_EXCURSION),
    other: r.sigs.filter((s) => s.code !== SIG_TEMP).length,
  };
}

// [name, readings, expected [sample index, arg] signals, expected TEMP_EXCURSION records]
const TABLE: [string, number[], number[][], number][] = [
  ["in range all day: nothing", [20, 22, 25, 29.9, 2.1, 20], [], 0],
  ["exactly at the limits is in range", [30, 30, 2, 2, 30], [], 0],
  ["hot afternoon: start at the first reading above, end at the first back inside", [25, 31, 33, 35, 29, 25], [[1, 1], [4, 0]], 1],
  ["cold: start at the first reading below, end only at 2.5 °C or more", [10, 1, -3, 1.5, 2.4, 3, 10], [[1, 2], [5, 0]], 1],
  ["hysteresis: hovering at 29.9–30.2 °C gives one start and one end", [29.9, 30.2, 29.9, 30.2, 29.9, 30.2, 29.9, 29.5, 29.9], [[1, 1], [7, 0]], 1],
  ["hysteresis: 29.6 °C (inside, but within 0.5 °C) does not end a hot excursion", [31, 29.6, 29.6, 29.6, 29.4], [[0, 1], [4, 0]], 1],
  ["hysteresis: hovering at 1.9–2.2 °C gives one start and one end", [1.9, 2.2, 1.9, 2.2, 1.9, 2.5], [[0, 2], [5, 0]], 1],
  ["hot at boot: the first sample (start) raises it", [35, 35, 20], [[0, 1], [2, 0]], 1],
  ["hot straight to cold: one change to cold, then the end", [20, 35, 0, 20], [[1, 1], [2, 2], [3, 0]], 2],
  ["an unknown reading (NaN) changes nothing", [20, 35, NaN, 35, NaN, 20], [[1, 1], [5, 0]], 1],
  ["two separate excursions: two starts, two ends", [20, 31, 20, 20, 0, 20], [[1, 1], [2, 0], [4, 2], [5, 0]], 2],
];

describe("SIG_TEMP: the excursion in progress, sample by sample", () => {
  it.each(TABLE)("%s", (_name, temps, sigs, nRecs) => {
    const r = runSamples(temps);
    expect(r.sigs).toEqual(sigs);
    expect(r.recs.length).toBe(nRecs);
    expect(r.other).toBe(0); // nothing else is signalled without cap events
    // a record is appended exactly at the samples that end an excursion (the change after a start)
    const ends = sigs.filter((_s, i) => i > 0 && sigs[i - 1][1] !== 0).map((s) => s[0]);
    expect(r.recs.map((e) => e.at / P)).toEqual(ends);
  });

  it("the record comes first, then the end signal, with the duration from the start signal", () => {
    const log: string[] = [];
    const temps = [25, 33, 35, 34, 24];
    let now = 0;
    const sink: DetectSink = {
      event: (type, _f, t0, t1, a, b) => log.push(`E ${type} ${t0} ${t1} ${a} ${tempFromByte(b & 0xff)} ${b >> 8}`),
      signal: (code, arg) => log.push(`S ${code} ${arg} at ${now}`),
      cap: () => {},
    };
    const m = new CapDetector(cfgWith(), sink, { temperature: () => temps[now / P] });
    m.start(0, true, 0);
    for (now = P; now <= 4 * P; now += P) m.tick(now);
    expect(log).toEqual([
      `S ${SIG_TEMP} ${EXC_HOT} at 300`,
      `E ${T_TEMP_EXCURSION} 300 1200 15 35 ${EXC_HOT}`,
      `S ${SIG_TEMP} 0 at 1200`,
    ]);
  });

  it("a dose during a hot afternoon: the record is split at the removal, the signal is not", () => {
    // 25 °C, 33 °C from 2 h to 4 h, then 24 °C; a dose at 2.5 h
    const temp = (t: number) => (t >= 7200 && t < 14400 ? 33 : t >= 14400 ? 24 : 25);
    const r = runDigital(session(9000, 9030), { temp, endAt: 20000 });
    expect(r.recs.map((e) => e.type)).toEqual([T_TEMP_EXCURSION, T_DOSE, T_TEMP_EXCURSION]);
    const t = r.sigs.filter((s) => s.code === SIG_TEMP);
    expect(t.map((s) => s.arg)).toEqual([EXC_HOT, 0]);
    expect(t[0].at).toBe(7200);
    expect(t[1].at).toBe(r.recs[2].at); // the end: the sample that logs the rest
    expect(t[1].at - 14400).toBeLessThanOrEqual(P);
  });

  it("a cold excursion starting at a cap transition is signalled at that transition", () => {
    const temp = (t: number) => (t >= 1000 ? -2 : 10);
    const r = runDigital(session(1000, 1030), { temp, endAt: 1100 });
    const t = r.sigs.filter((s) => s.code === SIG_TEMP);
    expect(t.map((s) => [s.arg, s.at])).toEqual([[EXC_COLD, 1000.3]]); // at the debounced removal (settle 0.3 s)
    expect(r.recs.map((e) => e.type)).toEqual([T_DOSE]); // still going on: no excursion record yet
  });
});
