// Detection, pure: raw hall-switch edges or magnetometer samples -> debounced transitions (stage 1) -> the cap
// state machine (stage 2): log events and indicator signals out. Time is getTime() seconds (float). No
// hardware here (the adapters in firmware/hw/sensor.ts feed it; temperature comes through DetectEnv); no
// allocation per edge or sample. Rules and numbers: docs/detection.md.
//
// One class for both stages: on Espruino a class costs ~8 variables of RAM beyond its methods, each method
// ~5 and each parameter one, and the two stages shared start/tick/timeShift/nextDeadline. The filter's
// fields come first, then the machine's.
import {
  T_DOSE, T_CAP_CHECK, T_UNCERTAIN_DOSE, T_CAP_LEFT_OFF, T_TEMP_EXCURSION,
  F_PRIMING, F_INTERRUPTED, EXC_HOT, EXC_COLD, SIG_BLINK, SIG_DOUBLE_DOSE, SIG_DOSE_ATTEMPT, SIG_LEFT_OFF, SIG_TEMP,
  sat16, tempByte,
} from "./codes";
import { DetectConfig } from "./config";
import { blinkCount } from "./blink";
import { DetectSink, DetectEnv, SignalOut, START_INTERRUPTED, START_UNTRACKED } from "./machine";

/** Magnetometer thresholds in the sensor's units (Puck.js: 0.1 µT), on |B - baseline|. */
export interface MagThresholds {
  onDelta: number; // at or above: magnet present (cap on)
  offDelta: number; // at or below: magnet gone (cap off); offDelta < onDelta is the hysteresis
}

export class CapDetector {
  // ---- stage 1: the filter (settle time and confirm count are fixed at construction)
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
  hits = 0; // consecutive samples past the threshold
  candT = 0;
  // ---- stage 2: the machine (reads cfg live: main.ts updates its thresholds in place)
  cfg: DetectConfig;
  sink: DetectSink;
  env: DetectEnv;
  ind: SignalOut | null;
  capOn = true; // the debounced cap state
  t0 = 0; // current session start
  interrupted = false; // current session began before a reboot
  untracked = false; // current session began at a calibration: not recorded
  leftOffFired = false;
  primeCandidate = false; // current session began within the priming window after a DOSE
  warnAt = -1; // when the double-dose alarm sounds if the cap is still off, -1 none
  lastDose = -1; // end of the last DOSE / UNCERTAIN_DOSE, -1 unknown; seeded at boot by writing it
  prevType = 0; // type of the last session record
  prevT1 = -1; // its end
  lastTempC = NaN;
  nextTempT = -1; // next temperature sample, -1 before start()
  exc = 0; // current excursion kind (0 none)
  excT0 = 0;
  excExtreme = 0;

  // Few methods and parameters on purpose: on Espruino each function costs ~6 variables of RAM, each parameter
  // one; one-caller helpers are written inline.
  /** `mag`: thresholds for the magnetometer (null for a digital input); `ind`: the hardware indicator, told
   *  each signal before the sink (optional). */
  constructor(cfg: DetectConfig, sink: DetectSink, env: DetectEnv, mag?: MagThresholds | null, ind?: SignalOut | null) {
    this.cfg = cfg;
    this.sink = sink;
    this.env = env;
    this.ind = ind || null;
    this.settleS = cfg.settleS;
    this.confirm = cfg.magConfirm < 1 ? 1 : cfg.magConfirm;
    if (mag) {
      this.on2 = mag.onDelta * mag.onDelta;
      this.off2 = mag.offDelta * mag.offDelta;
    }
  }

  /**
   * Boot: the cap state as read now. With the cap off, `mode` says what the open session is:
   * START_INTERRUPTED — it began before the reboot (or power-on): recorded at recap as UNCERTAIN_DOSE with
   * F_INTERRUPTED, exactly once; START_UNTRACKED — the sensor was just calibrated with the cap off (Puck.js
   * first boot): no record, no alert for it; START_NORMAL — a session starting now.
   */
  start(t: number, capOn: boolean, mode: number): void {
    this.rawOn = capOn;
    this.pending = false;
    this.hits = 0;
    this.capOn = capOn;
    this.sampleTemp(t);
    if (!capOn) {
      this.t0 = t;
      this.interrupted = mode === START_INTERRUPTED;
      this.untracked = mode === START_UNTRACKED;
      this.leftOffFired = this.untracked;
      this.primeCandidate = false;
      // An untracked session leaves no reboot marker: it will get no record, so no later boot may make one.
      if (!this.untracked) this.sink.cap(false, t);
    }
  }

  // ---- stage 1, digital input (hall switch through setWatch) ----

  /** A raw edge: the input says cap on/off since time t. Glitches shorter than settleS are dropped. */
  edge(t: number, on: boolean): void {
    // settle (as in tick): a pending edge that has held settleS is committed at its own time
    if (this.pending && t >= this.rawT + this.settleS) {
      this.pending = false;
      this.commit(this.rawT, this.rawOn);
    }
    if (on !== this.capOn) {
      // a repeated edge of the same level keeps the start of the run
      if (!this.pending || this.rawOn !== on) this.rawT = t;
      this.pending = true;
    } else this.pending = false;
    this.rawOn = on;
  }

  // ---- stage 1, magnetometer ----
  // The baseline is set by writing bx/by/bz (at boot: hw/sensor.ts, which also tests one reading against on2
  // for the cap state at boot): a setter and a one-reading test would each cost RAM on Espruino.

  /** One magnetometer sample at time t: hysteresis, then `confirm` consecutive samples to change state. */
  sample(t: number, x: number, y: number, z: number): void {
    // squared distance from the baseline (written out here and in hw/sensor.ts: a helper costs RAM)
    var dx = x - this.bx;
    var dy = y - this.by;
    var dz = z - this.bz;
    var d2 = dx * dx + dy * dy + dz * dz;
    var on = this.capOn;
    var level = on ? d2 > this.off2 : d2 >= this.on2;
    if (level !== on) {
      if (this.hits === 0) this.candT = t;
      this.hits++;
      if (this.hits >= this.confirm) {
        this.hits = 0;
        this.commit(this.candT, level);
      }
    } else {
      this.hits = 0;
      if (!on && d2 < this.off2 / 4) {
        // Follow slow drift (temperature, nearby steel) with a 1/16 low-pass, only while well below the off
        // threshold (a quarter of off2: half the off distance).
        this.bx += (x - this.bx) / 16;
        this.by += (y - this.by) / 16;
        this.bz += (z - this.bz) / 16;
      }
    }
    this.tick(t);
  }

  // ---- time ----

  /**
   * The clock was set (setTime): every stored time moves by delta = new - old, so a session open across a
   * TIME_SET keeps its true duration and no deadline fires early or late.
   */
  timeShift(delta: number): void {
    this.rawT += delta;
    this.candT += delta;
    this.t0 += delta;
    if (this.warnAt >= 0) this.warnAt += delta;
    if (this.lastDose >= 0) this.lastDose += delta;
    if (this.prevT1 >= 0) this.prevT1 += delta;
    if (this.nextTempT >= 0) this.nextTempT += delta;
    this.excT0 += delta;
  }

  /**
   * Run everything due at time `now`. Call when nextDeadline() is reached (one timeout, no polling); commit()
   * also calls it for the deadlines up to a transition (then nothing is pending or being confirmed: the
   * filter clears both before it commits, so only the machine's deadlines run).
   */
  tick(now: number): void {
    // settle: a pending edge that has held settleS is committed at its own time
    if (this.pending && now >= this.rawT + this.settleS) {
      this.pending = false;
      this.commit(this.rawT, this.rawOn);
    }
    // A transition still being confirmed happened at rawT/candT: deadlines after it must wait for it.
    var t = now;
    if (this.pending && this.rawT < t) t = this.rawT;
    if (this.hits > 0 && this.candT < t) t = this.candT;
    // The machine's deadlines up to t: the left-off alert, temperature sampling.
    if (!this.capOn && !this.leftOffFired && t >= this.t0 + this.cfg.leftOffS) {
      this.leftOffFired = true;
      var fireT = this.t0 + this.cfg.leftOffS;
      this.sink.event(T_CAP_LEFT_OFF, (this.cfg.insulinType & 3) << 4, this.t0, fireT, sat16(this.cfg.leftOffS), tempByte(this.lastTempC));
      if (this.ind) this.ind.signal(SIG_LEFT_OFF, this.cfg.leftOffS);
      this.sink.signal(SIG_LEFT_OFF, this.cfg.leftOffS);
    }
    if (!this.capOn && this.warnAt >= 0 && t >= this.warnAt) {
      // Still off: an injection attempt inside the double-dose window. Sounded now, before the dose goes in.
      this.warnAt = -1;
      if (this.ind) this.ind.signal(SIG_DOSE_ATTEMPT, t - this.lastDose);
      this.sink.signal(SIG_DOSE_ATTEMPT, t - this.lastDose);
    }
    if (this.nextTempT >= 0 && t >= this.nextTempT) this.sampleTemp(t);
  }

  /** Absolute time of the next deadline (s), or -1 for none. */
  nextDeadline(): number {
    var d = this.nextTempT;
    if (!this.capOn && !this.leftOffFired) {
      var l = this.t0 + this.cfg.leftOffS;
      if (d < 0 || l < d) d = l;
    }
    if (!this.capOn && this.warnAt >= 0 && (d < 0 || this.warnAt < d)) d = this.warnAt;
    // While a transition is being confirmed, machine deadlines after it wait for the confirmation (tick()
    // holds them back): the settle time for an edge, the next sample for the magnetometer.
    if (this.pending && !(d >= 0 && d <= this.rawT)) d = this.rawT + this.settleS;
    if (this.hits > 0 && !(d >= 0 && d <= this.candT)) d = -1;
    return d;
  }

  // ---- stage 2: sessions and events ----

  /** A debounced transition at time t (the time of the edge, possibly a little in the past). */
  commit(t: number, on: boolean): void {
    if (on === this.capOn) return;
    this.tick(t); // the machine's deadlines up to t (nothing is pending here)
    this.capOn = on;
    this.sampleTemp(t);
    // removal and recap written out here (one-caller helpers cost RAM on Espruino)
    if (!on) {
      var cfg = this.cfg;
      // An excursion still going on when the pen is about to be used: log the part so far now, so that it
      // precedes the dose in the log; the rest continues as a new excursion from here. (Not for a part shorter
      // than one sampling period: repeated removals must not chop an excursion into crumbs.)
      if (this.exc && t - this.excT0 >= cfg.tempPeriodS) {
        var kind = this.exc;
        this.endExcursion(t);
        this.exc = kind;
        this.excT0 = t;
        this.excExtreme = this.lastTempC;
      }
      this.t0 = t;
      this.interrupted = false;
      this.untracked = false;
      this.leftOffFired = false;
      // The pair window: "prime, recap, inject" (docs/detection.md, Priming); at least the configured window.
      var pair = cfg.pairWindowS > cfg.primingWindowS ? cfg.pairWindowS : cfg.primingWindowS;
      this.primeCandidate = this.prevType === T_DOSE && t - this.prevT1 <= pair;
      this.warnAt = -1;
      var n = 0;
      if (this.lastDose >= 0) {
        var since = t - this.lastDose;
        // Inside the window: the quiet cue at every removal (a look is not a dose); the alarm only if the cap
        // stays off long enough to be an injection, and not when the last dose may have been a prime.
        if (since >= 0 && since <= cfg.doubleDoseWindowS) {
          if (this.ind) this.ind.signal(SIG_DOUBLE_DOSE, since);
          this.sink.signal(SIG_DOUBLE_DOSE, since);
          if (since > pair) this.warnAt = t + cfg.warnAttemptS;
        }
        n = blinkCount(since, cfg.blinkMax);
      }
      if (this.ind) this.ind.signal(SIG_BLINK, n);
      this.sink.signal(SIG_BLINK, n);
    } else if (this.untracked) {
      this.untracked = false;
    } else {
      // recap: the session's record
      var d = t - this.t0;
      var type: number;
      var flags = 0;
      if (this.interrupted) {
        type = T_UNCERTAIN_DOSE;
        flags = F_INTERRUPTED;
      } else if (this.leftOffFired || d >= this.cfg.leftOffS) type = T_UNCERTAIN_DOSE;
      else if (d >= this.cfg.doseMinS) type = T_DOSE;
      else type = T_CAP_CHECK;
      if (this.primeCandidate && type !== T_CAP_CHECK) flags |= F_PRIMING;
      this.emitSession(type, flags, this.t0, t);
      // A cap left off: any injection happened near the start (then the cap was forgotten), so the double-dose
      // window and the blink code count from the removal, not from the morning recap.
      if (type === T_UNCERTAIN_DOSE && !this.interrupted) this.lastDose = this.t0;
      this.interrupted = false;
      this.primeCandidate = false;
      this.warnAt = -1;
    }
    this.sink.cap(on, t);
  }


  /**
   * Records one session. Also called at boot for a session that ended during the reboot (marker set, cap on,
   * not logged): emitSession(T_UNCERTAIN_DOSE, F_INTERRUPTED, t, t), once (reboot.ts).
   */
  emitSession(type: number, flags: number, t0: number, t1: number): void {
    // b = doseB(temperature, units unknown) written out: the cap never knows the units, so the high byte is
    // always 0xFF (a call with a constant argument would cost RAM on Espruino for nothing).
    this.sink.event(type, flags | ((this.cfg.insulinType & 3) << 4), t0, t1, sat16(t1 - t0), tempByte(this.lastTempC) | 0xff00);
    if (type !== T_CAP_CHECK) this.lastDose = t1;
    this.prevType = type;
    this.prevT1 = t1;
  }

  /**
   * Take a temperature reading now and run the excursion rule on it. A change of the excursion state (none,
   * hot, cold) is signalled at once (SIG_TEMP), so an alert can show while the excursion lasts; the record
   * comes when it ends. The split at a removal (commit()) is not a change and is not signalled.
   */
  private sampleTemp(t: number): void {
    this.nextTempT = this.cfg.tempPeriodS > 0 ? t + this.cfg.tempPeriodS : -1;
    var c = this.env.temperature();
    this.lastTempC = c;
    if (c !== c) return;
    var cfg = this.cfg;
    var was = this.exc;
    if (was === EXC_HOT) {
      if (c > cfg.tempMaxC - cfg.tempHystC) {
        if (c > this.excExtreme) this.excExtreme = c;
        return;
      }
      this.endExcursion(t);
    } else if (was === EXC_COLD) {
      if (c < cfg.tempMinC + cfg.tempHystC) {
        if (c < this.excExtreme) this.excExtreme = c;
        return;
      }
      this.endExcursion(t);
    }
    if (c > cfg.tempMaxC || c < cfg.tempMinC) {
      this.exc = c > cfg.tempMaxC ? EXC_HOT : EXC_COLD;
      this.excT0 = t;
      this.excExtreme = c;
    }
    if (this.exc !== was) {
      if (this.ind) this.ind.signal(SIG_TEMP, this.exc);
      this.sink.signal(SIG_TEMP, this.exc);
    }
  }

  private endExcursion(t: number): void {
    // Duration in whole minutes, rounded up: an excursion seen by one sample still lasted.
    var minutes = Math.ceil((t - this.excT0) / 60);
    this.sink.event(T_TEMP_EXCURSION, 0, this.excT0, t, sat16(minutes < 1 ? 1 : minutes), tempByte(this.excExtreme) | (this.exc << 8));
    this.exc = 0;
  }
}
