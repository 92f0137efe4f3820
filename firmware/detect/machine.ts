// The cap state machine, pure: debounced cap transitions in, log events and indicator signals out.
// Time is getTime() seconds (float). No hardware here; temperature comes through DetectEnv.
// Rules and numbers: docs/detection.md.
import {
  T_DOSE, T_CAP_CHECK, T_UNCERTAIN_DOSE, T_CAP_LEFT_OFF, T_TEMP_EXCURSION,
  F_PRIMING, F_INTERRUPTED, EXC_HOT, EXC_COLD, SIG_BLINK, SIG_DOUBLE_DOSE, SIG_LEFT_OFF, SIG_TEMP,
  sat16, tempByte, doseB,
} from "./codes";
import { DetectConfig } from "./config";
import { blinkCount } from "./blink";

/** Where events go. Plain numbers only. */
export interface DetectSink {
  /**
   * One log event. `type` is the record type (architecture.md); `t0` when it began (session: cap off;
   * CAP_LEFT_OFF: cap off; TEMP_EXCURSION: first sample out of range), `t1` when it ended/fired; `a`, `b`
   * already packed as the record table says. The log record is append(type, flags, floor(t0), a, b).
   */
  event(type: number, flags: number, t0: number, t1: number, a: number, b: number): void;
  /** An indicator signal (codes.ts SIG_*), e.g. SIG_BLINK with the blink count. */
  signal(code: number, arg: number): void;
  /** The debounced cap state changed (also called by start() when the cap is off at boot). */
  cap(on: boolean, t: number): void;
}

export interface DetectEnv {
  /** Current temperature in °C (NaN if unknown). Called at cap transitions and every tempPeriodS. */
  temperature(): number;
}

/** Something else that shows signals (the hardware indicator): told before the sink. */
export interface SignalOut {
  signal(code: number, arg: number): void;
}

export const START_NORMAL = 0;
export const START_INTERRUPTED = 1;
export const START_UNTRACKED = 2;

export class CapMachine {
  cfg: DetectConfig;
  sink: DetectSink;
  env: DetectEnv;
  ind: SignalOut | null;
  capOn = true;
  t0 = 0; // current session start
  interrupted = false; // current session began before a reboot
  untracked = false; // current session began at a calibration: not recorded
  leftOffFired = false;
  primeCandidate = false; // current session began within the priming window after a DOSE
  lastDoseT = -1; // end of the last DOSE / UNCERTAIN_DOSE, -1 unknown; seeded at boot by writing it
  prevType = 0; // type of the last session record
  prevT1 = -1; // its end
  lastTempC = NaN;
  nextTempT = -1; // next temperature sample, -1 before start()
  exc = 0; // current excursion kind (0 none)
  excT0 = 0;
  excExtreme = 0;

  // Few methods and parameters on purpose: on Espruino each function costs ~6 variables of RAM, each parameter one.
  constructor(cfg: DetectConfig, sink: DetectSink, env: DetectEnv, ind?: SignalOut | null) {
    this.cfg = cfg;
    this.sink = sink;
    this.env = env;
    this.ind = ind || null;
  }

  /**
   * Boot: the cap state as read now. With the cap off, `mode` says what the open session is:
   * START_INTERRUPTED — it began before the reboot (or power-on): recorded at recap as UNCERTAIN_DOSE with
   * F_INTERRUPTED, exactly once; START_UNTRACKED — the sensor was just calibrated with the cap off (Puck.js
   * first boot): no record, no alert for it; START_NORMAL — a session starting now.
   */
  start(t: number, capOn: boolean, mode: number): void {
    this.capOn = capOn;
    this.sampleTemp(t);
    if (!capOn) {
      this.t0 = t;
      this.interrupted = mode === START_INTERRUPTED;
      this.untracked = mode === START_UNTRACKED;
      this.leftOffFired = this.untracked;
      this.primeCandidate = false;
      this.sink.cap(false, t);
    }
  }

  /**
   * The clock was set (setTime): every stored time moves by delta = new - old, so a session open across a
   * TIME_SET keeps its true duration and no deadline fires early or late.
   */
  timeShift(delta: number): void {
    this.t0 += delta;
    if (this.lastDoseT >= 0) this.lastDoseT += delta;
    if (this.prevT1 >= 0) this.prevT1 += delta;
    if (this.nextTempT >= 0) this.nextTempT += delta;
    this.excT0 += delta;
  }

  /** A debounced transition at time t (the time of the edge, possibly a little in the past). */
  commit(t: number, on: boolean): void {
    if (on === this.capOn) return;
    this.tick(t);
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
      this.primeCandidate = this.prevType === T_DOSE && t - this.prevT1 <= cfg.primingWindowS;
      var n = 0;
      if (this.lastDoseT >= 0) {
        var since = t - this.lastDoseT;
        // Inside the priming window the removal is most likely "prime, recap, inject": no warning.
        if (since > cfg.primingWindowS && since <= cfg.doubleDoseWindowS) {
          if (this.ind) this.ind.signal(SIG_DOUBLE_DOSE, since);
          this.sink.signal(SIG_DOUBLE_DOSE, since);
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
      if (type === T_UNCERTAIN_DOSE && !this.interrupted) this.lastDoseT = this.t0;
      this.interrupted = false;
      this.primeCandidate = false;
    }
    this.sink.cap(on, t);
  }


  /** Absolute time of the next deadline, or -1 when there is none. */
  nextDeadline(): number {
    var d = this.nextTempT;
    if (!this.capOn && !this.leftOffFired) {
      var l = this.t0 + this.cfg.leftOffS;
      if (d < 0 || l < d) d = l;
    }
    return d;
  }

  /** Process deadlines up to time t (left-off alert, temperature sampling). */
  tick(t: number): void {
    if (!this.capOn && !this.leftOffFired && t >= this.t0 + this.cfg.leftOffS) {
      this.leftOffFired = true;
      var fireT = this.t0 + this.cfg.leftOffS;
      this.sink.event(T_CAP_LEFT_OFF, (this.cfg.insulinType & 3) << 4, this.t0, fireT, sat16(this.cfg.leftOffS), tempByte(this.lastTempC));
      if (this.ind) this.ind.signal(SIG_LEFT_OFF, this.cfg.leftOffS);
      this.sink.signal(SIG_LEFT_OFF, this.cfg.leftOffS);
    }
    if (this.nextTempT >= 0 && t >= this.nextTempT) this.sampleTemp(t);
  }

  /**
   * Records one session. Also called at boot for a session that ended during the reboot (marker set, cap on,
   * not logged): emitSession(T_UNCERTAIN_DOSE, F_INTERRUPTED, t, t), once (reboot.ts).
   */
  emitSession(type: number, flags: number, t0: number, t1: number): void {
    this.sink.event(type, flags | ((this.cfg.insulinType & 3) << 4), t0, t1, sat16(t1 - t0), doseB(this.lastTempC, -1));
    if (type !== T_CAP_CHECK) this.lastDoseT = t1;
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
