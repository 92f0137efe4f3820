// Board profiles of the simulated devices. Flash maps come from Espruino's boards/MDBT42Q.py and
// boards/PUCKJS.py ('saved_code': address (118-10)*4096 = 0x6C000, 10 pages of 4096 bytes), from the cap's own
// build (boards/PENCAP.py, the same map) and from the host build (targets/linux: 1024-byte pages, 256 KiB at
// 0x10000000, see docs of Flash.getFree on https://www.espruino.com/Reference#l_Flash_getFree).
// Flash.getFree() of the nRF52 boards is measured from real builds: boards/measured.json.
import measured from "../boards/measured.json";

/** PENCAP: the cap on its own interpreter build; MDBT42Q: the cap's module on the stock interpreter. */
export type BoardName = "PENCAP" | "MDBT42Q" | "PUCKJS" | "LINUX";

/** The board a simulated device and a scenario run on unless they name one: the cap on the cap's build. */
export const DEFAULT_BOARD: BoardName = "PENCAP";

export interface BoardPins {
  /** LED pins by name (LED1..LED3) → GPIO name. */
  leds: Record<string, string>;
  /** The button (BTN / BTN1), if the board has one. */
  button: string | null;
  /** MDBT42Q cap: the digital hall switch output; null on boards without one. */
  hall: string | null;
  /** Output level of the hall switch while the magnet is near (open-drain switches pull low). */
  hallActiveLevel: boolean;
  /** The buzzer pin, if any. */
  buzzer: string | null;
  /** Names used for pin activities (LEDs, buzzer) beyond the LED globals. */
  labels: Record<string, string>;
}

export interface BoardProfile {
  name: BoardName;
  /** process.env.VERSION as the interpreter reports it. */
  version: string;
  pageSize: number;
  /** Flash.getFree(): pages between the end of the interpreter binary and the Storage area. */
  freeAddress: number;
  freePages: number;
  /** The Storage ("saved_code") area. */
  storageAddress: number;
  storagePages: number;
  /** process.memory().total in JS variables (docs/espruino-language.md, measured on 2v29). */
  jsVars: number;
  hasNrf: boolean;
  hasMagnetometer: boolean;
  pins: BoardPins;
}

const NRF52_STORAGE = 0x6c000;

/**
 * Flash.getFree() on nRF52 depends on the size of the interpreter binary (jshFlashGetFree in
 * targets/nrf5x/jshardware.c: from the page after the one holding _etext up to the Storage area at 0x6C000).
 * Measured on 2v29 builds made with scripts/espruino/build-cap.sh (boards/measured.json):
 *   PENCAP  20 pages (code ends at 0x57214; 19 before the trim defines of boards/PENCAP.py);
 *   MDBT42Q 0: the stock build overlaps Storage with Debian's gcc and fits with ~0-1 free pages as built by
 *           Espruino, so the worst case, 0, is the profile;
 *   PUCKJS  0 (code ends 696 bytes before Storage).
 * A scenario or a test can override them with `freePages`.
 */
export const DEFAULT_FREE_PAGES: Record<BoardName, number> = {
  PENCAP: measured.boards.PENCAP.freePages,
  MDBT42Q: measured.boards.MDBT42Q.freePages,
  PUCKJS: measured.boards.PUCKJS.freePages,
  LINUX: 256,
};

/** The cap's wiring on the MDBT42Q module (stock interpreter or the cap's build). */
function capPins(): BoardPins {
  // LED1 = D1, LED2 = D2, BTN1 = D0 as Espruino's boards/MDBT42Q.py (and boards/PENCAP.py) define them. The
  // cap's own wiring (firmware/boards, the cap board profile): DRV5032 push-pull hall switch on D5, low while the
  // magnet is near; red LED on D2, green LED on D3 (active high); buzzer on D4.
  return {
    leds: { LED1: "D1", LED2: "D2" }, button: "D0", hall: "D5", hallActiveLevel: false, buzzer: "D4",
    labels: { D1: "LED1", D2: "LED2", D3: "LED3", D4: "BUZZER" },
  };
}

export function boardProfile(name: BoardName, overrides: { freePages?: number; pins?: Partial<BoardPins> } = {}): BoardProfile {
  const freePages = overrides.freePages ?? DEFAULT_FREE_PAGES[name];
  let p: BoardProfile;
  switch (name) {
    case "PENCAP":
    case "MDBT42Q":
      p = {
        name, version: "2v29", pageSize: 4096,
        freeAddress: NRF52_STORAGE - freePages * 4096, freePages,
        storageAddress: NRF52_STORAGE, storagePages: 10,
        jsVars: 2950, hasNrf: true, hasMagnetometer: false,
        pins: capPins(),
      };
      break;
    case "PUCKJS":
      p = {
        name, version: "2v29", pageSize: 4096,
        freeAddress: NRF52_STORAGE - freePages * 4096, freePages,
        storageAddress: NRF52_STORAGE, storagePages: 10,
        jsVars: 2630, hasNrf: true, hasMagnetometer: true,
        // Puck.js v1/v2 pinout: LED1 red D5, LED2 green D4, LED3 blue D3, BTN D0.
        pins: { leds: { LED1: "D5", LED2: "D4", LED3: "D3" }, button: "D0", hall: null, hallActiveLevel: false, buzzer: null, labels: {} },
      };
      break;
    case "LINUX":
      p = {
        name, version: "2v29", pageSize: 1024,
        freeAddress: 0x10000000, freePages,
        // The host build's Storage is the same 256 KiB that Flash.getFree() reports (measured on 2v29:
        // Storage.getFree() of an empty store is 262144): writing Flash pages there clobbers Storage, as on the host.
        storageAddress: 0x10000000, storagePages: freePages,
        jsVars: 4096, hasNrf: false, hasMagnetometer: false,
        pins: { leds: { LED1: "D1" }, button: null, hall: null, hallActiveLevel: false, buzzer: null, labels: {} },
      };
      break;
    default:
      throw new Error(`unknown board ${String(name)} (PENCAP, MDBT42Q, PUCKJS or LINUX)`);
  }
  if (overrides.pins) p.pins = { ...p.pins, ...overrides.pins };
  return p;
}

export const BOARD_NAMES: BoardName[] = ["PENCAP", "MDBT42Q", "PUCKJS", "LINUX"];
