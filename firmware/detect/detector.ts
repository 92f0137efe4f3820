// The front of detection: raw hall-switch edges or magnetometer samples -> debounced transitions -> CapMachine.
// Pure; the hardware adapters in firmware/hw/sensor.ts feed it. No allocation per edge or sample.
import { CapMachine, DetectSink, DetectEnv, SignalOut } from "./machine";
import { DetectConfig } from "./config";

/** Magnetometer thresholds in the sensor's units (Puck.js: 0.1 µT), on |B - baseline|. */
export interface MagThresholds {
  onDelta: number; // at or above: magnet present (cap on)
  offDelta: number; // at or below: magnet gone (cap off); offDelta < onDelta is the hysteresis
}

export class CapDetector {
  m: CapMachine;
  settleS: number;
  confirm: number;
  // digital edge filter
  pending = false;
  rawOn = true;
  rawT = 0;
  // magnetometer filter: baseline (bx, by, bz), squared thresholds
  bx = 0;
  by = 0;
  bz = 0;
  on2 = 0;
  off2 = 0;
  track2 = 0;
  count = 0;
  candT = 0;

  // Few methods on purpose (each costs ~6 variables of RAM on Espruino): one-caller helpers are written inline.
  /** `ind`: the hardware indicator, told each signal before the sink (optional). */
  constructor(cfg: DetectConfig, sink: DetectSink, env: DetectEnv, mag: MagThresholds | null, ind?: SignalOut | null) {
    this.m = new CapMachine(cfg, sink, env, ind);
    this.settleS = cfg.settleS;
    this.confirm = cfg.magConfirm < 1 ? 1 : cfg.magConfirm;
    if (mag) {
      this.on2 = mag.onDelta * mag.onDelta;
      this.off2 = mag.offDelta * mag.offDelta;
      this.track2 = this.off2 / 4; // baseline follows slow drift only while well below the off threshold
    }
  }

  /** Boot with the cap state read now; mode START_* (see CapMachine.start). */
  start(t: number, capOn: boolean, mode: number): void {
    this.rawOn = capOn;
    this.pending = false;
    this.count = 0;
    this.m.start(t, capOn, mode);
  }

  // ---- digital input (hall switch through setWatch) ----

  /** A raw edge: the input says cap on/off since time t. Glitches shorter than settleS are dropped. */
  edge(t: number, on: boolean): void {
    // settle (as in tick): a pending edge that has held settleS is committed at its own time
    if (this.pending && t >= this.rawT + this.settleS) {
      this.pending = false;
      this.m.commit(this.rawT, this.rawOn);
    }
    if (on !== this.m.capOn) {
      // a repeated edge of the same level keeps the start of the run
      if (!this.pending || this.rawOn !== on) this.rawT = t;
      this.pending = true;
    } else this.pending = false;
    this.rawOn = on;
  }

  // ---- magnetometer ----

  // The baseline is set by writing bx/by/bz (at boot: hw/sensor.ts, which also tests one reading against on2
  // for the cap state at boot): a setter and a one-reading test would each cost RAM on Espruino. The cap
  // state is m.capOn.

  /** One magnetometer sample at time t: hysteresis, then `confirm` consecutive samples to change state. */
  sample(t: number, x: number, y: number, z: number): void {
    // squared distance from the baseline (written out here and in hw/sensor.ts: a helper costs RAM)
    var dx = x - this.bx;
    var dy = y - this.by;
    var dz = z - this.bz;
    var d2 = dx * dx + dy * dy + dz * dz;
    var on = this.m.capOn;
    var level = on ? d2 > this.off2 : d2 >= this.on2;
    if (level !== on) {
      if (this.count === 0) this.candT = t;
      this.count++;
      if (this.count >= this.confirm) {
        this.count = 0;
        this.m.commit(this.candT, level);
      }
    } else {
      this.count = 0;
      if (!on && d2 < this.track2) {
        // follow slow drift (temperature, nearby steel) with a 1/16 low-pass
        this.bx += (x - this.bx) / 16;
        this.by += (y - this.by) / 16;
        this.bz += (z - this.bz) / 16;
      }
    }
    this.tick(t);
  }

  // ---- time ----

  /** The clock was set: shift every stored time by delta = new - old (see CapMachine.timeShift). */
  timeShift(delta: number): void {
    this.rawT += delta;
    this.candT += delta;
    this.m.timeShift(delta);
  }

  /** Run everything due at time `now`. Call when nextDeadline() is reached (one timeout, no polling). */
  tick(now: number): void {
    // settle: a pending edge that has held settleS is committed at its own time
    if (this.pending && now >= this.rawT + this.settleS) {
      this.pending = false;
      this.m.commit(this.rawT, this.rawOn);
    }
    // A transition still being confirmed happened at rawT/candT: deadlines after it must wait for it.
    var t = now;
    if (this.pending && this.rawT < t) t = this.rawT;
    if (this.count > 0 && this.candT < t) t = this.candT;
    this.m.tick(t);
  }

  /** Absolute time of the next deadline (s), or -1 for none. */
  nextDeadline(): number {
    var d = this.m.nextDeadline();
    // While a transition is being confirmed, machine deadlines after it wait for the confirmation (tick()
    // holds them back): the settle time for an edge, the next sample for the magnetometer.
    if (this.pending && !(d >= 0 && d <= this.rawT)) d = this.rawT + this.settleS;
    if (this.count > 0 && !(d >= 0 && d <= this.candT)) d = -1;
    return d;
  }
}
