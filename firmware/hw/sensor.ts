// Hardware adapters for the cap sensor and the wiring of detection: setWatch on the hall switch (interrupt
// driven, no polling) or Puck.js magnetometer events, one timeout for the state machine's next deadline.
// Hardware globals are reached through `global` (tests and the simulator provide them).
import { BoardProfile } from "../boards/index";
import { DetectConfig } from "../detect/config";
import { DetectSink, DetectEnv } from "../detect/machine";
import { CapDetector } from "../detect/detector";
import { START_NORMAL, START_INTERRUPTED, START_UNTRACKED } from "../detect/machine";
import { T_UNCERTAIN_DOSE, F_INTERRUPTED } from "../detect/codes";
import { bootAction, BOOT_OPEN_INTERRUPTED, BOOT_OPEN_UNTRACKED, BOOT_LOG_INTERRUPTED } from "../detect/reboot";
import { Indicator, createIndicator } from "./indicator";

var G: any = global;

export interface DetectionBoot {
  /** SessionMarker.read() at boot: the log seq stored when the cap came off, -2 when no marker. */
  markerSeq: number;
  /** The log holds a DOSE/CAP_CHECK/UNCERTAIN_DOSE record with seq > markerSeq. */
  sessionLoggedAfterMarker: boolean;
  /** Puck.js: magnetometer baseline [x, y, z] kept from an earlier calibration, or null to calibrate now. */
  magBaseline: number[] | null;
  /** Time of the last dose (getTime() seconds), -1 unknown. */
  lastDoseT: number;
}

export interface Detection {
  detector: CapDetector;
  indicator: Indicator;
  /** The boot action taken (reboot.ts BOOT_*). */
  bootAction: number;
  // The magnetometer baseline in use (Puck.js, to be persisted by the caller) is detector.bx/by/bz.
  /** Call right after setTime(): delta = new clock - old clock. Shifts the machine's times, re-arms the timer. */
  timeChanged(delta: number): void;
  /** Stop watching (tests, safe-mode changes). */
  stop(): void;
}

/** Temperature for the state machine: the nRF52 die sensor (E.getTemperature, 0.25 °C steps, ±5 °C). */
var temperatureEnv: DetectEnv = {
  temperature: function (): number {
    var t = G.E && G.E.getTemperature ? G.E.getTemperature() : NaN;
    return typeof t === "number" ? t : NaN;
  },
};

/**
 * Start detection on `board`. Signals go to the board's LEDs/buzzer and also to sink.signal; events to
 * sink.event; cap transitions to sink.cap (write/clear the reboot marker there). See docs/detection.md.
 */
export function startDetection(board: BoardProfile, cfg: DetectConfig, sink: DetectSink, boot: DetectionBoot): Detection {
  // Every local here lives as long as the callbacks below (RAM on Espruino): boot-only values are written
  // into the detector or reused rather than kept in locals of their own.
  // The machine tells the indicator each signal before the sink (no wrapping sink: its functions would cost RAM).
  var det = new CapDetector(
    cfg,
    sink,
    temperatureEnv,
    board.sensor === "mag" ? { onDelta: board.magOnDelta as number, offDelta: board.magOffDelta as number } : null,
    createIndicator(board)
  );
  det.lastDose = boot.lastDoseT; // -1 unknown
  var timer: any = undefined;
  var timerAt = -1;
  var sub: any = undefined; // the setWatch id (switch) or the "mag" listener (magnetometer)

  function reschedule(): void {
    var d = det.nextDeadline();
    if (d === timerAt) return;
    if (timer !== undefined) G.clearTimeout(timer);
    timer = undefined;
    timerAt = d;
    if (d < 0) return;
    var ms = (d - G.getTime()) * 1000;
    timer = G.setTimeout(onTimer, ms > 0 ? ms + 1 : 1);
  }

  function onTimer(): void {
    timer = undefined;
    timerAt = -1;
    det.tick(G.getTime());
    reschedule();
  }

  var now = G.getTime();
  var capOn: boolean;
  var mode = START_NORMAL;
  if (board.sensor === "switch") {
    // read the hall switch now: true when the cap is on
    G.pinMode(G[board.hallPin as string], board.hallPull);
    capOn = G.digitalRead(G[board.hallPin as string]) === board.capOnLevel;
  } else {
    var r = G.Puck.mag();
    var b = boot.magBaseline;
    if (b) {
      det.bx = b[0];
      det.by = b[1];
      det.bz = b[2];
      // The magnet is present when this one reading is at least onDelta from the baseline (the same squared
      // distance as CapDetector.sample).
      capOn = (r.x - det.bx) * (r.x - det.bx) + (r.y - det.by) * (r.y - det.by) + (r.z - det.bz) * (r.z - det.bz) >= det.on2;
    } else {
      // First calibration: the Puck must be away from the magnet (cap off); the mean of three readings, summed
      // in the order read: (r1 + r2 + r3) / 3.
      det.bx = r.x;
      det.by = r.y;
      det.bz = r.z;
      r = G.Puck.mag();
      det.bx += r.x;
      det.by += r.y;
      det.bz += r.z;
      r = G.Puck.mag();
      det.bx = (det.bx + r.x) / 3;
      det.by = (det.by + r.y) / 3;
      det.bz = (det.bz + r.z) / 3;
      capOn = false;
      mode = START_UNTRACKED; // the session open now is not recorded
    }
    r = undefined;
    b = null;
  }
  var action = bootAction(boot.markerSeq, boot.sessionLoggedAfterMarker, capOn);
  boot = null as unknown as DetectionBoot; // kept by the callbacks' scope: drop what boot alone needed
  if (mode === START_NORMAL && action === BOOT_OPEN_INTERRUPTED) mode = START_INTERRUPTED;
  if (action === BOOT_OPEN_UNTRACKED) mode = START_UNTRACKED;
  det.start(now, capOn, mode);
  // A session that ended during the reboot (marker set, cap on, not logged): recorded now, once.
  if (action === BOOT_LOG_INTERRUPTED) det.emitSession(T_UNCERTAIN_DOSE, F_INTERRUPTED, now, now);

  if (board.sensor === "switch") {
    sub = G.setWatch(
      function (e: any) {
        det.edge(e.time, (e.state ? 1 : 0) === board.capOnLevel);
        reschedule();
      },
      G[board.hallPin as string],
      { repeat: true, edge: "both", debounce: board.watchDebounceMs }
    );
  } else {
    sub = function (xyz: any) {
      det.sample(G.getTime(), xyz.x, xyz.y, xyz.z);
      reschedule();
    };
    G.Puck.on("mag", sub);
    G.Puck.magOn(board.magHz);
  }
  reschedule();

  return {
    detector: det,
    indicator: det.ind as Indicator,
    bootAction: action,
    timeChanged: function (delta: number) {
      det.timeShift(delta);
      timerAt = -2; // force re-arming
      reschedule();
    },
    stop: function () {
      if (sub !== undefined) {
        if (board.sensor === "switch") G.clearWatch(sub);
        else {
          G.Puck.magOff();
          G.Puck.removeListener("mag", sub);
        }
      }
      if (timer !== undefined) G.clearTimeout(timer);
      timer = undefined;
    },
  };
}
