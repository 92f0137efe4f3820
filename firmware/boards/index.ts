// Board profiles, chosen at boot from process.env.BOARD. Small plain objects: pins and parts, nothing else.

/**
 * Cap input: a digital hall switch on a pin, or the Puck.js magnetometer. Only what the firmware reads is
 * here, and a board carries only the fields of its own sensor: the running board's profile lives as long as
 * the firmware, and on Espruino each field costs one or two variables of RAM. (The boards' batteries and
 * unused parts, e.g. the Puck.js blue LED3, are in the comment below, not in RAM.)
 */
export interface BoardProfile {
  name: string;
  /** "switch": digital hall switch; "mag": Puck.js magnetometer. */
  sensor: "switch" | "mag";
  /** switch: the input pin name (resolved with global lookup at run time so LINUX can run without it). */
  hallPin?: string;
  /** switch: the level read when the cap is on (the magnet near the sensor). */
  capOnLevel?: number;
  /** switch: pull resistor mode for pinMode. */
  hallPull?: "input" | "input_pullup" | "input_pulldown";
  /** switch: setWatch debounce in ms (contact/output bounce only; the state machine filters longer glitches). */
  watchDebounceMs?: number;
  /** mag: sample rate in Hz given to Puck.magOn, and thresholds on |B - baseline| in 0.1 µT units. */
  magHz?: number;
  magOnDelta?: number;
  magOffDelta?: number;
  /** LED pin names: red (warnings), green (blink code); "" when absent. */
  ledRed: string;
  ledGreen: string;
  /** Buzzer pin name, "" when absent. */
  buzzer: string;
  /** The LED drive level that lights the LED. */
  ledOnLevel: number;
  /** The board has Nordic's BLE stack (NRF). */
  ble: boolean;
}

/**
 * The profile for a board name; throws {code: "BOARD_UNKNOWN", message} for anything else. Built on the first
 * call for that name (then the same object), from literals in code: only the running board's profile takes RAM (about 20
 * variables for the MDBT42Q).
 *
 * PENCAP: the cap's own interpreter build (boards/PENCAP.py, scripts/espruino/build-cap.sh): the MDBT42Q module
 * with the same wiring as below, built without the libraries the cap never uses so that Flash.getFree() leaves
 * the log its full region (docs/log-format.md, "Capacity per board"). Its profile is the MDBT42Q cap's.
 *
 * MDBT42Q cap board (stock MDBT42Q interpreter). Hall switch: TI DRV5032FB (omnipolar, push-pull, 5 Hz, 0.54 µA at 1.8 V). DRV5032
 * datasheet (SLVSDC7): "When the applied magnetic flux density exceeds the BOP threshold, the device outputs a
 * low voltage. The output stays low until the flux density decreases to less than BRP" — so LOW = magnet near =
 * cap on. Push-pull needs no pull-up (input without pull: no leakage current). Pins: D5 hall, D2/D3 LEDs (red,
 * green, active high through resistors), D4 buzzer (via a transistor). CR2032. The log is in raw flash pages
 * when Flash.getFree() has enough, else in a Storage file (docs/log-format.md; decided by main.ts).
 *
 * Puck.js: the magnetometer is the hall sensor (field change against a baseline taken on the device), LED1-3
 * red/green/blue (the firmware uses red and green), no buzzer, CR2032. magOn rate 2.5 Hz: two consecutive
 * samples confirm a change (spike rejection) within 0.8 s, the lowest rate that keeps latency <= 1 s (docs/detection.md). Thresholds: the Earth's field
 * (25-65 µT) turning with the Puck moves |B - baseline| by up to ~130 µT, so "off" must be above that (150 µT)
 * and "on" well above (250 µT, inside the LIS3MDL's ±400 µT range).
 *
 * LINUX: Espruino's host build on a PC: a digital input as on the cap board (virtual pins), no LEDs, no BLE,
 * no battery.
 */
/** The cap board's profile (same wiring on the stock MDBT42Q interpreter and on the cap's own build). */
function capBoard(name: string): BoardProfile {
  return {
    name,
    sensor: "switch",
    hallPin: "D5",
    capOnLevel: 0,
    hallPull: "input",
    watchDebounceMs: 10,
    ledRed: "D2",
    ledGreen: "D3",
    buzzer: "D4",
    ledOnLevel: 1,
    ble: true,
  };
}

let mdbt42q: BoardProfile | undefined;
let pencap: BoardProfile | undefined;
let puckjs: BoardProfile | undefined;
let linux: BoardProfile | undefined;
export function boardProfile(name: string | undefined): BoardProfile {
  switch (name) {
    case "PENCAP":
      return (pencap = pencap || capBoard("PENCAP"));
    case "MDBT42Q":
      return (mdbt42q = mdbt42q || capBoard("MDBT42Q"));
    case "PUCKJS":
      return (puckjs = puckjs || {
        name: "PUCKJS",
        sensor: "mag",
        magHz: 2.5,
        magOnDelta: 2500,
        magOffDelta: 1500,
        ledRed: "LED1",
        ledGreen: "LED2",
        buzzer: "",
        ledOnLevel: 1,
        ble: true,
      });
    case "LINUX":
      return (linux = linux || {
        name: "LINUX",
        sensor: "switch",
        hallPin: "D5",
        capOnLevel: 0,
        hallPull: "input_pullup",
        watchDebounceMs: 10,
        ledRed: "",
        ledGreen: "",
        buzzer: "",
        ledOnLevel: 1,
        ble: false,
      });
  }
  throw { code: "BOARD_UNKNOWN", message: "unknown board '" + name + "': expected PENCAP, MDBT42Q, PUCKJS or LINUX" };
}

/** The profiles as values (tests, tools); unused by the firmware, so the bundle drops them. */
export const PENCAP: BoardProfile = /* @__PURE__ */ boardProfile("PENCAP");
export const MDBT42Q: BoardProfile = /* @__PURE__ */ boardProfile("MDBT42Q");
export const PUCKJS: BoardProfile = /* @__PURE__ */ boardProfile("PUCKJS");
export const LINUX: BoardProfile = /* @__PURE__ */ boardProfile("LINUX");
