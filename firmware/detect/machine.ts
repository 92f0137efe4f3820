// The seams of the cap state machine (stage 2 of detection): where events and signals go, the temperature,
// and the start modes. The machine itself is part of CapDetector (detector.ts: one class for both stages,
// which costs less RAM on Espruino). Rules and numbers: docs/detection.md.

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
