// Property-based tests over random traces (fast-check): every session recorded exactly once, the right type,
// within 1 s of the recap (virtual time), whatever the bounce and glitches.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { runDigital, runMag, cfgWith } from "./harness";
import { T_DOSE, T_CAP_LEFT_OFF, T_UNCERTAIN_DOSE, T_CAP_CHECK, isSessionType } from "../../firmware/detect/codes";

const cfg = cfgWith();
const MIN = cfg.doseMinS;
const LEFT = cfg.leftOffS;

// durations concentrated around the interesting thresholds
const duration = fc.oneof(
  fc.double({ min: 0.5, max: 10, noNaN: true }),
  fc.double({ min: MIN - 0.5, max: MIN + 0.5, noNaN: true }),
  fc.double({ min: 10, max: 300, noNaN: true }),
  fc.double({ min: LEFT - 2, max: LEFT + 2, noNaN: true }),
  fc.double({ min: 300, max: 40000, noNaN: true })
);
const gap = fc.oneof(fc.double({ min: 0.5, max: 5, noNaN: true }), fc.double({ min: 5, max: 200, noNaN: true }), fc.double({ min: 200, max: 30000, noNaN: true }));
const sessionArb = fc.record({
  gap,
  dur: duration,
  bounceOff: fc.double({ min: 0, max: 0.03, noNaN: true }),
  bounceOn: fc.double({ min: 0, max: 0.03, noNaN: true }),
  glitchIn: fc.option(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.double({ min: 0.005, max: 0.25, noNaN: true }) })),
  glitchOut: fc.option(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.double({ min: 0.005, max: 0.25, noNaN: true }) })),
});

interface Truth {
  t0: number;
  t1: number;
}

type SessionSpec = typeof sessionArb extends fc.Arbitrary<infer T> ? T : never;

function build(ss: SessionSpec[]): { edges: [number, boolean][]; truth: Truth[] } {
  const edges: [number, boolean][] = [];
  const truth: Truth[] = [];
  let t = 10;
  const glitch = (from: number, to: number, g: { at: number; len: number } | null, level: boolean) => {
    // a brief wrong level well inside [from, to]
    if (!g || to - from < 1.2) return;
    const s = from + 0.4 + g.at * (to - from - 1.2);
    edges.push([s, level], [s + g.len, !level]);
  };
  for (const s of ss) {
    const off = t + s.gap;
    glitch(t, off, s.glitchOut, false); // opening while the cap is on (pen dropped)
    const on = off + s.dur;
    edges.push([off, false]);
    if (s.bounceOff > 0) edges.push([off + s.bounceOff / 2, true], [off + s.bounceOff, false]);
    glitch(off + s.bounceOff, on, s.glitchIn, true); // closing while the cap is off
    edges.push([on, true]);
    if (s.bounceOn > 0) edges.push([on + s.bounceOn / 2, false], [on + s.bounceOn, true]);
    truth.push({ t0: off, t1: on });
    t = on + s.bounceOn;
  }
  return { edges, truth };
}

describe("properties: digital hall switch", () => {
  it("one session record per true session, classified by duration, within 1 s of recap", () => {
    fc.assert(
      fc.property(fc.array(sessionArb, { minLength: 1, maxLength: 12 }), (ss) => {
        const { edges, truth } = build(ss);
        const r = runDigital(edges, { endAt: truth[truth.length - 1].t1 + 10 });
        const sess = r.recs.filter((e) => isSessionType(e.type));
        // never two records for one session, none lost
        expect(sess.length).toBe(truth.length);
        let alerts = 0;
        truth.forEach((tr, k) => {
          const d = tr.t1 - tr.t0;
          const rec = sess[k];
          expect(Math.abs(rec.t1 - tr.t1)).toBeLessThanOrEqual(0.031);
          // no dose from a session shorter than the minimum
          if (d < MIN - 0.05) expect(rec.type).toBe(T_CAP_CHECK);
          // every plausible session yields exactly one dose
          if (d >= MIN + 0.05 && d < LEFT - 0.05) expect(rec.type).toBe(T_DOSE);
          if (d >= LEFT + 0.05) {
            expect(rec.type).toBe(T_UNCERTAIN_DOSE);
            alerts++;
          }
          // latency on virtual time
          expect(rec.at - tr.t1).toBeLessThanOrEqual(1);
        });
        const la = r.recs.filter((e) => e.type === T_CAP_LEFT_OFF);
        expect(la.length).toBeGreaterThanOrEqual(alerts);
        expect(la.length).toBeLessThanOrEqual(truth.filter((tr) => tr.t1 - tr.t0 >= LEFT - 0.05).length);
        for (const a of la) expect(a.at - (a.t0 + LEFT)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 400 }
    );
  });
});

describe("properties: magnetometer at 2.5 Hz", () => {
  it("noise and isolated one-sample spikes: one record per session, right type, within 1 s", () => {
    const magSession = fc.record({
      gap: fc.double({ min: 2, max: 3000, noNaN: true }),
      dur: fc.oneof(fc.double({ min: 2, max: 12, noNaN: true }), fc.double({ min: 12, max: 1500, noNaN: true })),
    });
    fc.assert(
      fc.property(fc.array(magSession, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (ss, seed) => {
        const truth: Truth[] = [];
        let t = 5;
        for (const s of ss) {
          truth.push({ t0: t + s.gap, t1: t + s.gap + s.dur });
          t = t + s.gap + s.dur;
        }
        let x = seed || 1;
        const rnd = () => {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          return ((x >>> 0) % 10000) / 10000;
        };
        const offAt = (tt: number) => truth.some((tr) => tt >= tr.t0 && tt < tr.t1);
        const nearEdge = (tt: number) => truth.some((tr) => Math.abs(tt - tr.t0) < 1.3 || Math.abs(tt - tr.t1) < 1.3);
        let lastSpike = -10;
        const field = (tt: number, i: number) => {
          const off = offAt(tt);
          // noise: off readings 300-1200 (the baseline follows them), on readings >= 2500 above any of them
          let v = off ? 300 + rnd() * 900 : 3800 + rnd() * 3000;
          if (i - lastSpike > 3 && !nearEdge(tt) && rnd() < 0.02) {
            lastSpike = i;
            v = off ? 5000 : 0; // pen dropped: one wild sample
          }
          return v;
        };
        const r = runMag(field, { endAt: t + 5 });
        const sess = r.recs.filter((e) => isSessionType(e.type));
        expect(sess.length).toBe(truth.length);
        truth.forEach((tr, k) => {
          const d = tr.t1 - tr.t0;
          const rec = sess[k];
          if (d < MIN - 0.45) expect(rec.type).toBe(T_CAP_CHECK);
          if (d >= MIN + 0.45 && d < LEFT - 0.45) expect(rec.type).toBe(T_DOSE);
          expect(rec.at - tr.t1).toBeLessThanOrEqual(1);
        });
      }),
      { numRuns: 150 }
    );
  });
});
