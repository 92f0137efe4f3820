// Current figures for each simulated activity. Every number names its source; docs/power.md has the
// full table with links and says which figures are estimates and why.
//
// Sources (short keys used below):
//  [PS11]  Nordic nRF52832 Product Specification v1.1, "Power and clock management", electrical
//          specification: IRADIO_TX0 (0 dBm) 7.1 mA, IRADIO_TX1 (-40 dBm) 4.1 mA, IRADIO_RX0 6.5 mA.
//          https://infocenter.nordicsemi.com/topic/com.nordic.infocenter.nrf52832.ps.v1.1/pmu.html
//  [PS14]  nRF52832 Product Specification v1.4 (NVMC tWRITE, tERASEPAGE; TX +4 dBm vs 0 dBm). The v1.4
//          tables could not be retrieved in this session; the values marked [PS14*] are as recalled and
//          must be checked against the PDF before release.
//  [NBLOG] Nordic DevZone, "Optimizing Power on nRF52 Designs": pulse currents 7 mA with DC/DC,
//          12 mA without. https://devzone.nordicsemi.com/b/blog/posts/optimizing-power-on-nrf52-designs
//  [EPUCK] espruino.com/Puck.js#power-consumption as quoted in "Puck Battery - how long will that CR2032
//          last?" (kitsbitsnbytes, 2017): idle 3 uA, connected via BLE 200 uA.
//  [EADV]  Espruino: "20uA power draw when advertising" (MDBT42Q page, forum.espruino.com/conversations/
//          326799; same figure for Puck.js in forum.espruino.com/conversations/297174), at Espruino's
//          default interval BLUETOOTH_ADVERTISING_INTERVAL = 375 ms (libs/bluetooth/bluetooth.h, 2v29).
//  [EMDBT] forum.espruino.com/comments/16488587: MDBT42Q "around 5 uA at its lowest" (user measurement).
//  [EMAG]  Espruino 2v29 libs/puckjs/jswrap_puck.c, Puck.magOn reference: 0.08-0.63 Hz 8 uA, 1.25 Hz 17,
//          2.5 Hz 34, 5 Hz 69, 10 Hz 137, 20 Hz 275, 40 Hz 550, 80 Hz 900 uA (MAG3110 on v1, LIS3MDL on
//          v2); MMC5603NJ (v2.1) estimated in the same file as 13 uA per Hz.
//  [EBRD]  Espruino 2v29 boards/PUCKJS.py enables the DC/DC converter (ESPR_DCDC_ENABLE); MDBT42Q.py
//          does not, so the cap board runs from the LDO.

export interface EnergyModel {
  readonly name: string;
  /** System ON idle, RTC and BLE stack idle, no radio: the floor, always counted. */
  readonly sleepMicroamps: number;
  /** CPU running JavaScript (counted on top of the floor for the seconds reported). */
  readonly cpuMilliamps: number;
  /** Charge of one advertising event (3 channels) at a TX power. */
  advEventMicrocoulombs(txPowerDbm: number): number;
  /** Charge of one connection event with empty packets. */
  readonly connEventMicrocoulombs: number;
  /** Extra charge of one notification/indication packet (up to 50 bytes of payload). */
  readonly packetMicrocoulombs: number;
  readonly flashWordMicrocoulombs: number;
  readonly flashPageEraseMicrocoulombs: number;
  /** Current of a pin that is on (LEDs, buzzer); unknown pins cost nothing (a plain GPIO level). */
  pinMilliamps(pin: string): number;
  /** Magnetometer current at a sample rate (Hz); 0 = off. */
  magMicroamps(hz: number): number;
}

/** TX current relative to 0 dBm: [PS11] gives -40 and 0 dBm; +4 dBm from [PS14*] 7.5/5.3 mA;
 *  the levels between -40 and 0 dBm are interpolated linearly (estimate: real curves are not linear,
 *  this overstates the saving of small reductions less than it understates large ones). */
const TX_POINTS: ReadonlyArray<readonly [number, number]> = [
  [-40, 4.1],
  [0, 7.1],
  [4, 7.1 * (7.5 / 5.3)],
];

export function txMilliamps(dbm: number): number {
  if (dbm <= TX_POINTS[0][0]) return TX_POINTS[0][1];
  for (let i = 1; i < TX_POINTS.length; i++) {
    // (Index access, not destructuring: the array iterator allocates, and this runs at every activity.)
    const x1 = TX_POINTS[i][0], y1 = TX_POINTS[i][1];
    const x0 = TX_POINTS[i - 1][0], y0 = TX_POINTS[i - 1][1];
    if (dbm <= x1) return y0 + ((dbm - x0) * (y1 - y0)) / (x1 - x0);
  }
  return TX_POINTS[TX_POINTS.length - 1][1];
}

/** [EADV] minus [EPUCK]: (20 - 3) uA x 0.375 s = 6.375 uC per advertising event at 0 dBm, whole board
 *  (radio, HFXO start-up, SoftDevice CPU). Cross-check with [PS11]: 3 channels x 0.3 ms x 7.1 mA = 6.39 uC. */
export const ADV_EVENT_0DBM_UC = (20 - 3) * 0.375;

/** [EMAG] table, rounded down to the nearest supported rate as Puck.magOn does not accept others. */
const MAG_TABLE: ReadonlyArray<readonly [number, number]> = [
  [80, 900], [40, 550], [20, 275], [10, 137], [5, 69], [2.5, 34], [1.25, 17], [0.08, 8],
];
export function magMicroampsPuckV2(hz: number): number {
  if (hz <= 0) return 0;
  for (const [rate, ua] of MAG_TABLE) if (hz >= rate - 1e-9) return ua;
  return 8;
}

function makeModel(name: string, sleepUa: number, activeFactor: number, hasMag: boolean): EnergyModel {
  const cpuMa = 4.0 * activeFactor; // estimate: nRF52832 CoreMark from flash with DC/DC is ~3.7 mA [PS14*]; JS adds RAM traffic
  return {
    name,
    sleepMicroamps: sleepUa,
    cpuMilliamps: cpuMa,
    advEventMicrocoulombs: (dbm) => (ADV_EVENT_0DBM_UC * txMilliamps(dbm)) / txMilliamps(0),
    // estimate: one empty TX and RX with ramp-up, ~0.22 ms each at [PS11] currents = 3.0 uC; agrees with
    // [EPUCK] "connected 200 uA" at a 15 ms interval ((200-3) uA x 15 ms = 3.0 uC).
    connEventMicrocoulombs: 3.0,
    // estimate: 50-byte payload + 14 bytes of headers at 1 Mb/s = 0.51 ms TX + ack, ~0.6 ms x 7.1 mA
    packetMicrocoulombs: 4.3,
    // [PS14*] tWRITE 67.5 us max per word; current during the write: CPU-level current (estimate)
    flashWordMicrocoulombs: 67.5e-6 * cpuMa * 1000,
    // [PS14*] tERASEPAGE 85 ms max per 4 KiB page; current during erase: CPU-level current (estimate)
    flashPageEraseMicrocoulombs: 0.085 * cpuMa * 1000,
    pinMilliamps: (pin) => {
      if (pin === "LED1" || pin === "LED2" || pin === "LED3") return 2.0; // estimate: LED + series resistor at ~3 V
      if (pin === "BUZZER") return 5.0; // estimate: piezo driven by PWM; the cap board's part is not chosen yet
      return 0;
    },
    magMicroamps: (hz) => (hasMag ? magMicroampsPuckV2(hz) : 0),
  };
}

/** The pen cap's board: MDBT42Q on the LDO [EBRD], so active currents scale by 12/7 [NBLOG];
 *  floor 5 uA [EMDBT]. It has no magnetometer (a hall switch on setWatch instead). */
export const MDBT42Q_MODEL: EnergyModel = makeModel("MDBT42Q", 5, 12 / 7, false);
/** Puck.js v2 (DC/DC on [EBRD]), floor 3 uA [EPUCK], LIS3MDL magnetometer [EMAG]. */
export const PUCKJS_MODEL: EnergyModel = makeModel("PUCKJS", 3, 1, true);

export function modelForBoard(board: string): EnergyModel {
  return board === "PUCKJS" ? PUCKJS_MODEL : MDBT42Q_MODEL;
}

/** Project's nominal CR2032 capacity. Energizer CR2032 datasheet: 235 mAh to 2.0 V on a 15 kOhm load at
 *  21 C; 225 mAh leaves ~4% for pulse-load and cold derating. Self-discharge (~1 %/year for Li/MnO2) is
 *  not in the 225; docs/power.md gives the derated figure too. */
export const CR2032_MAH = 225;
/** Average month: 365.25 x 24 / 12 hours. */
export const HOURS_PER_MONTH = 730.5;
