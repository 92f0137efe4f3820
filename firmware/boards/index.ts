// Board profiles, chosen at boot from process.env.BOARD. Small plain objects: pins and parts, nothing else.

/** Cap input: a digital hall switch on a pin, or the Puck.js magnetometer. */
export interface BoardProfile {
  name: string;
  /** "switch": digital hall switch; "mag": Puck.js magnetometer. */
  sensor: "switch" | "mag";
  /** switch: the input pin name (resolved with global lookup at run time so LINUX can run without it). */
  hallPin: string;
  /** switch: the level read when the cap is on (the magnet near the sensor). */
  capOnLevel: number;
  /** switch: pull resistor mode for pinMode. */
  hallPull: "input" | "input_pullup" | "input_pulldown";
  /** switch: setWatch debounce in ms (contact/output bounce only; the state machine filters longer glitches). */
  watchDebounceMs: number;
  /** mag: sample rate in Hz given to Puck.magOn, and thresholds on |B - baseline| in 0.1 µT units. */
  magHz: number;
  magOnDelta: number;
  magOffDelta: number;
  /** LED pin names: red (warnings), green (blink code); "" when absent. */
  ledRed: string;
  ledGreen: string;
  ledBlue: string;
  /** Buzzer pin name, "" when absent. */
  buzzer: string;
  /** The LED drive level that lights the LED. */
  ledOnLevel: number;
  battery: string;
  ble: boolean;
  /** Page store for the dose log (decided by the log's owner). */
  logStore: "flash" | "storage";
}

/**
 * The profile for a board name; throws {code: "BOARD_UNKNOWN", message} for anything else. Built on the first
 * call for that name (then the same object), from literals in code: only the running board's profile takes RAM (about 17 variables).
 *
 * MDBT42Q cap board. Hall switch: TI DRV5032FB (omnipolar, push-pull, 5 Hz, 0.54 µA at 1.8 V). DRV5032
 * datasheet (SLVSDC7): "When the applied magnetic flux density exceeds the BOP threshold, the device outputs a
 * low voltage. The output stays low until the flux density decreases to less than BRP" — so LOW = magnet near =
 * cap on. Push-pull needs no pull-up (input without pull: no leakage current). Pins: D5 hall, D2/D3 LEDs (red,
 * green, active high through resistors), D4 buzzer (via a transistor). CR2032.
 *
 * Puck.js: the magnetometer is the hall sensor (field change against a baseline taken on the device), LED1-3
 * red/green/blue, no buzzer. magOn rate 2.5 Hz: two consecutive samples confirm a change (spike rejection)
 * within 0.8 s, the lowest rate that keeps latency <= 1 s (docs/detection.md). Thresholds: the Earth's field
 * (25-65 µT) turning with the Puck moves |B - baseline| by up to ~130 µT, so "off" must be above that (150 µT)
 * and "on" well above (250 µT, inside the LIS3MDL's ±400 µT range).
 *
 * LINUX: Espruino's host build on a PC: a digital input as on the cap board (virtual pins), no LEDs, no BLE.
 */
let mdbt42q: BoardProfile | undefined;
let puckjs: BoardProfile | undefined;
let linux: BoardProfile | undefined;
export function boardProfile(name: string | undefined): BoardProfile {
  switch (name) {
    case "MDBT42Q":
      return (mdbt42q = mdbt42q || {
        name: "MDBT42Q",
        sensor: "switch",
        hallPin: "D5",
        capOnLevel: 0,
        hallPull: "input",
        watchDebounceMs: 10,
        magHz: 0,
        magOnDelta: 0,
        magOffDelta: 0,
        ledRed: "D2",
        ledGreen: "D3",
        ledBlue: "",
        buzzer: "D4",
        ledOnLevel: 1,
        battery: "CR2032",
        ble: true,
        logStore: "flash",
      });
    case "PUCKJS":
      return (puckjs = puckjs || {
        name: "PUCKJS",
        sensor: "mag",
        hallPin: "",
        capOnLevel: 0,
        hallPull: "input",
        watchDebounceMs: 0,
        magHz: 2.5,
        magOnDelta: 2500,
        magOffDelta: 1500,
        ledRed: "LED1",
        ledGreen: "LED2",
        ledBlue: "LED3",
        buzzer: "",
        ledOnLevel: 1,
        battery: "CR2032",
        ble: true,
        logStore: "flash",
      });
    case "LINUX":
      return (linux = linux || {
        name: "LINUX",
        sensor: "switch",
        hallPin: "D5",
        capOnLevel: 0,
        hallPull: "input_pullup",
        watchDebounceMs: 10,
        magHz: 0,
        magOnDelta: 0,
        magOffDelta: 0,
        ledRed: "",
        ledGreen: "",
        ledBlue: "",
        buzzer: "",
        ledOnLevel: 1,
        battery: "none",
        ble: false,
        logStore: "flash",
      });
  }
  throw { code: "BOARD_UNKNOWN", message: "unknown board '" + name + "': expected MDBT42Q, PUCKJS or LINUX" };
}

/** The profiles as values (tests, tools); unused by the firmware, so the bundle drops them. */
export const MDBT42Q: BoardProfile = /* @__PURE__ */ boardProfile("MDBT42Q");
export const PUCKJS: BoardProfile = /* @__PURE__ */ boardProfile("PUCKJS");
export const LINUX: BoardProfile = /* @__PURE__ */ boardProfile("LINUX");
