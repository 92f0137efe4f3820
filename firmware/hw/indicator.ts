// LED and buzzer patterns for detection signals (docs/detection.md, "Signals"). The only hardware here is
// digitalWrite and setTimeout, reached through `global` so tests and the simulator can provide them.
import { BoardProfile } from "../boards/index";
import { SIG_BLINK, SIG_DOUBLE_DOSE, SIG_DOSE_ATTEMPT, SIG_FAULT, SIG_LEFT_OFF, SIG_TEMP, SIG_BATTERY, SIG_TEMP_ALERT } from "../detect/codes";

var G: any = global;

// Pattern timings (ms): on, off, on, off, ... A const enum: the bundler writes the numbers into the code, so
// they take no RAM (a module-level variable costs about one variable each on Espruino).
const enum P {
  BLINK_ON = 200,
  BLINK_OFF = 300,
  NO_DOSE_ON = 1000,
  WARN_ON = 100, // double dose: 5 fast red flashes (the removal's cue), with beeps for an injection attempt
  WARN_OFF = 100,
  WARN_N = 5,
  ALERT_ON = 600, // cap left off: 3 long red flashes with beeps
  ALERT_OFF = 400,
  ALERT_N = 3,
  FAULT_ON = 50, // no dose log: 8 very fast red flashes (with beeps the first time), unlike anything else
  FAULT_OFF = 100,
  FAULT_N = 8,
  QUEUE_MAX = 4,
  BATTERY_ON = 1000, // battery low: 2 long red flashes, no buzzer
  BATTERY_OFF = 500,
  BATTERY_N = 2,
  TEMP_ON = 300, // insulin too warm/cold: 3 flashes of red and green together, no buzzer
  TEMP_OFF = 300,
  TEMP_N = 3,
  GAP = 1000, // between two queued patterns: two blink codes must not read as one longer code
}

/**
 * Plain fields rather than getter/setter functions: the object lives as long as the firmware, and on Espruino
 * each function costs ~5 variables of RAM, a field one.
 */
export interface Indicator {
  /** Show a detection signal (codes.ts SIG_*); signals play one after another. */
  signal(code: number, arg: number): void;
  /** True while a pattern is playing or queued (read it; the indicator sets it). */
  busy: boolean;
  /** Which outputs may play (IND_* bits): safe mode and the config's alert switches turn some off. Assign it;
   *  it applies to signals given afterwards (as their patterns are built). */
  mask: number;
}

/** Blink codes on removal. */
export const IND_BLINK = 1;
/** The buzzer (with the red LED patterns). */
export const IND_BUZZER = 2;
/** The double-dose warning pattern. */
export const IND_DOUBLE_DOSE = 4;
/** The cap-left-off alert pattern. */
export const IND_LEFT_OFF = 8;
/** The low-battery pattern at a removal (config AL_BATTERY). */
export const IND_BATTERY = 16;
/** The temperature pattern at a removal (config AL_TEMPERATURE). */
export const IND_TEMP = 32;
export const IND_ALL = 63;

export function createIndicator(board: BoardProfile): Indicator {
  var red = board.ledRed ? G[board.ledRed] : undefined;
  var green = board.ledGreen ? G[board.ledGreen] : undefined;
  var buzz = board.buzzer ? G[board.buzzer] : undefined;
  var on = board.ledOnLevel ? 1 : 0; // the level that lights; 1 - on switches off
  var queue: number[] = []; // code, arg pairs; at most P.QUEUE_MAX signals
  // current pattern
  var pA: any;
  var pB: any;
  var onMs = 0;
  var offMs = 0;
  var left = 0;

  var lit = false; // the outputs are on

  var ind: Indicator = {
    signal: function (code: number, arg: number): void {
      // Only the patterns below are shown; other signals (e.g. the temperature state) take no queue slot.
      if (code < SIG_BLINK || code > SIG_TEMP_ALERT || code === SIG_TEMP) return; // SIG_TEMP: a state for the app
      if (queue.length >= P.QUEUE_MAX * 2 && code !== SIG_DOSE_ATTEMPT) return;
      if (code === SIG_BLINK && !(ind.mask & IND_BLINK)) return;
      if ((code === SIG_DOUBLE_DOSE || code === SIG_DOSE_ATTEMPT) && !(ind.mask & IND_DOUBLE_DOSE)) return;
      if (code === SIG_LEFT_OFF && !(ind.mask & IND_LEFT_OFF)) return;
      if (code === SIG_BATTERY && !(ind.mask & IND_BATTERY)) return;
      if (code === SIG_TEMP_ALERT && !(ind.mask & IND_TEMP)) return;
      // The alarm goes before a blink code still waiting: it must sound before the dose is pressed in.
      if (code === SIG_DOSE_ATTEMPT) queue.unshift(code, arg);
      else queue.push(code, arg);
      if (!ind.busy) {
        ind.busy = true;
        run();
      }
    },
    busy: false,
    mask: IND_ALL,
  };

  // One function for the whole pattern player (each function costs RAM on Espruino): switches the outputs off
  // after a pulse, on for the next pulse, or takes the next signal from the queue.
  function run(): void {
    if (lit) {
      // called with the outputs on: switch them off, then either the next pulse or the next signal
      lit = false;
      if (pA !== undefined) G.digitalWrite(pA, 1 - on);
      if (pB !== undefined) G.digitalWrite(pB, 1 - on);
      left--;
      // After a pattern's last pulse the indicator stays busy for the whole gap even with an empty queue: a
      // signal given during it waits, so two codes never run together (2 + 3 blinks must not read as 5).
      G.setTimeout(run, left > 0 ? offMs : P.GAP);
      return;
    }
    while (!(left > 0)) {
      if (!queue.length) {
        ind.busy = false;
        return;
      }
      var code = queue.shift() as number;
      var arg = queue.shift() as number;
      pA = undefined;
      pB = undefined;
      if (code === SIG_BLINK) {
        pA = green !== undefined ? green : red;
        onMs = arg > 0 ? P.BLINK_ON : P.NO_DOSE_ON;
        offMs = P.BLINK_OFF;
        left = arg > 0 ? arg : 1;
      } else if (code === SIG_DOUBLE_DOSE || code === SIG_DOSE_ATTEMPT) {
        // The removal's cue is quiet (red only); the buzzer joins for an injection attempt.
        pA = red;
        pB = code === SIG_DOSE_ATTEMPT && ind.mask & IND_BUZZER ? buzz : undefined;
        onMs = P.WARN_ON;
        offMs = P.WARN_OFF;
        left = P.WARN_N;
      } else if (code === SIG_LEFT_OFF) {
        pA = red;
        pB = ind.mask & IND_BUZZER ? buzz : undefined;
        onMs = P.ALERT_ON;
        offMs = P.ALERT_OFF;
        left = P.ALERT_N;
      } else if (code === SIG_FAULT) {
        pA = red;
        pB = arg && ind.mask & IND_BUZZER ? buzz : undefined;
        onMs = P.FAULT_ON;
        offMs = P.FAULT_OFF;
        left = P.FAULT_N;
      } else if (code === SIG_BATTERY) {
        pA = red;
        onMs = P.BATTERY_ON;
        offMs = P.BATTERY_OFF;
        left = P.BATTERY_N;
      } else if (code === SIG_TEMP_ALERT) {
        pA = red;
        pB = green;
        onMs = P.TEMP_ON;
        offMs = P.TEMP_OFF;
        left = P.TEMP_N;
      } else left = 0;
      if (left > 0 && pA === undefined && pB === undefined) {
        G.console.log("indicator: signal " + code + " " + arg); // host build: no LEDs
        left = 0;
      }
    }
    lit = true;
    if (pA !== undefined) G.digitalWrite(pA, on);
    if (pB !== undefined) G.digitalWrite(pB, on);
    G.setTimeout(run, onMs);
  }

  return ind;
}
