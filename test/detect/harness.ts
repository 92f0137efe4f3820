// Virtual-time drivers for the pure detector: feed edges or magnetometer samples, run the single deadline
// the way the hw shell does (one timeout at nextDeadline()), record every event with the time it was emitted.
import { CapDetector, MagThresholds } from "../../firmware/detect/detector";
import { DetectSink } from "../../firmware/detect/machine";
import { DetectConfig, defaultDetectConfig } from "../../firmware/detect/config";
import { INSULIN_RAPID } from "../../firmware/detect/codes";

export interface Rec {
  type: number;
  flags: number;
  t0: number;
  t1: number;
  a: number;
  b: number;
  at: number; // virtual time at which the sink received it
}
export interface Sig {
  code: number;
  arg: number;
  at: number;
}
export interface Run {
  recs: Rec[];
  sigs: Sig[];
  caps: { on: boolean; t: number; at: number }[];
  det: CapDetector;
  ticks: number;
}

export function cfgWith(over: Partial<DetectConfig> = {}, insulin = INSULIN_RAPID): DetectConfig {
  return Object.assign(defaultDetectConfig(insulin), over);
}

class Driver {
  now = 0;
  run: Run;
  det: CapDetector;
  constructor(cfg: DetectConfig, mag: MagThresholds | null, temp: (t: number) => number) {
    const recs: Rec[] = [];
    const sigs: Sig[] = [];
    const caps: Run["caps"] = [];
    const sink: DetectSink = {
      event: (type, flags, t0, t1, a, b) => recs.push({ type, flags, t0, t1, a, b, at: this.now }),
      signal: (code, arg) => sigs.push({ code, arg, at: this.now }),
      cap: (on, t) => caps.push({ on, t, at: this.now }),
    };
    this.det = new CapDetector(cfg, sink, { temperature: () => temp(this.now) }, mag);
    this.run = { recs, sigs, caps, det: this.det, ticks: 0 };
  }
  /** Fire deadlines up to (and including) time t, as a single re-armed timeout would. */
  until(t: number): void {
    for (;;) {
      const d = this.det.nextDeadline();
      if (d < 0 || d > t) break;
      this.now = Math.max(this.now, d);
      this.det.tick(this.now);
      this.run.ticks++;
      if (this.run.ticks > 1e6) throw new Error("runaway deadlines");
    }
    this.now = Math.max(this.now, t);
  }
}

export interface DigitalOpts {
  cfg?: DetectConfig;
  capOnAtStart?: boolean;
  interrupted?: boolean;
  endAt?: number;
  temp?: (t: number) => number;
  lastDoseT?: number;
}

/** Edges [t, capOn] in time order (raw: bounces included). */
export function runDigital(edges: [number, boolean][], o: DigitalOpts = {}): Run {
  const d = new Driver(o.cfg ?? cfgWith(), null, o.temp ?? (() => 20));
  if (o.lastDoseT !== undefined) d.det.lastDose = o.lastDoseT;
  d.det.start(0, o.capOnAtStart ?? true, o.interrupted ? 1 : 0);
  for (const [t, on] of edges) {
    d.until(t);
    d.det.edge(t, on);
  }
  d.until(o.endAt ?? (edges.length ? edges[edges.length - 1][0] + 3600 : 3600));
  return d.run;
}

export const MAG: MagThresholds = { onDelta: 2500, offDelta: 1500 };

export interface MagOpts {
  cfg?: DetectConfig;
  hz?: number;
  endAt: number;
  temp?: (t: number) => number;
  capOnAtStart?: boolean;
}

/** Samples |B - baseline| = field(t) along x at the given rate (baseline 0). */
export function runMag(field: (t: number, i: number) => number, o: MagOpts): Run {
  const d = new Driver(o.cfg ?? cfgWith(), MAG, o.temp ?? (() => 20));
  d.det.bx = d.det.by = d.det.bz = 0;
  d.det.start(0, o.capOnAtStart ?? true, 0);
  const period = 1 / (o.hz ?? 2.5);
  for (let i = 1; i * period <= o.endAt; i++) {
    const t = i * period;
    d.until(t);
    d.det.sample(t, field(t, i), 0, 0);
  }
  d.until(o.endAt);
  return d.run;
}

/** A clean cap-off session from t0 to t1 with `bounce` seconds of contact bounce at each end. */
export function session(t0: number, t1: number, bounce = 0): [number, boolean][] {
  const e: [number, boolean][] = [[t0, false]];
  if (bounce > 0) e.push([t0 + bounce / 3, true], [t0 + bounce, false]);
  e.push([t1, true]);
  if (bounce > 0) e.push([t1 + bounce / 3, false], [t1 + bounce, true]);
  return e;
}
