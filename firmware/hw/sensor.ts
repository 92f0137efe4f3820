// Hardware adapters for the cap sensor and the wiring of detection: setWatch on the hall switch (interrupt
// driven, no polling) or Puck.js magnetometer events, one timeout for the state machine's next deadline.
// Hardware globals are reached through `global` (tests and the simulator provide them).
import { BoardProfile } from "../boards/index";
import { DetectConfig } from "../detect/config";
import { DetectSink, DetectEnv } from "../detect/machine";
import { CapDetector } from "../detect/detector";
import { START_NORMAL, START_INTERRUPTED, START_UNTRACKED } from "../detect/machine";
import { bootAction, BOOT_OPEN_INTERRUPTED, BOOT_LOG_INTERRUPTED } from "../detect/reboot";
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
  /** The magnetometer baseline in use (Puck.js), to be persisted by the caller. */
  baseline(): number[];
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
  var indicator = createIndicator(board);
  var mag = board.sensor === "mag" ? { onDelta: board.magOnDelta, offDelta: board.magOffDelta } : null;
  // The machine tells the indicator each signal before the sink (no wrapping sink: its functions would cost RAM).
  var det = new CapDetector(cfg, sink, temperatureEnv, mag, indicator);
  det.m.setLastDose(boot.lastDoseT);
  var timer: any = undefined;
  var timerAt = -1;
  var watch: any = undefined;

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
  var calibrated = false;
  if (board.sensor === "switch") {
    // read the hall switch now: true when the cap is on
    G.pinMode(G[board.hallPin], board.hallPull);
    capOn = G.digitalRead(G[board.hallPin]) === board.capOnLevel;
  } else {
    var b = boot.magBaseline;
    var r = G.Puck.mag();
    if (b) {
      det.setBaseline(b[0], b[1], b[2]);
      capOn = det.magnetPresent(r.x, r.y, r.z);
    } else {
      // First calibration: the Puck must be away from the magnet (cap off); average three readings.
      var r2 = G.Puck.mag();
      var r3 = G.Puck.mag();
      det.setBaseline((r.x + r2.x + r3.x) / 3, (r.y + r2.y + r3.y) / 3, (r.z + r2.z + r3.z) / 3);
      capOn = false;
      calibrated = true;
    }
  }
  var action = bootAction(boot.markerSeq, boot.sessionLoggedAfterMarker, capOn);
  // This scope lives as long as the callbacks below: drop what boot alone needed (RAM on Espruino).
  boot = null as unknown as DetectionBoot;
  mag = null;
  b = null;
  r = r2 = r3 = undefined;
  det.start(now, capOn, calibrated ? START_UNTRACKED : action === BOOT_OPEN_INTERRUPTED ? START_INTERRUPTED : START_NORMAL);
  if (action === BOOT_LOG_INTERRUPTED) det.m.logInterrupted(now);

  var onMag: any = undefined;
  if (board.sensor === "switch") {
    var level = board.capOnLevel;
    watch = G.setWatch(
      function (e: any) {
        det.edge(e.time, (e.state ? 1 : 0) === level);
        reschedule();
      },
      G[board.hallPin],
      { repeat: true, edge: "both", debounce: board.watchDebounceMs }
    );
  } else {
    onMag = function (xyz: any) {
      det.sample(G.getTime(), xyz.x, xyz.y, xyz.z);
      reschedule();
    };
    G.Puck.on("mag", onMag);
    G.Puck.magOn(board.magHz);
  }
  reschedule();

  return {
    detector: det,
    indicator: indicator,
    bootAction: action,
    baseline: function () {
      return [det.bx, det.by, det.bz];
    },
    timeChanged: function (delta: number) {
      det.timeShift(delta);
      timerAt = -2; // force re-arming
      reschedule();
    },
    stop: function () {
      if (watch !== undefined) G.clearWatch(watch);
      if (onMag !== undefined) {
        G.Puck.magOff();
        G.Puck.removeListener("mag", onMag);
      }
      if (timer !== undefined) G.clearTimeout(timer);
      timer = undefined;
    },
  };
}
