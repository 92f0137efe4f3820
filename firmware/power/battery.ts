// CR2032 battery: the curve from voltage under load to a state of charge, the battery-low thresholds, and the
// voltage floors for flash operations. Pure. The monitor itself (NRF.getBattery(), volts read while the CPU
// runs) is PowerSupervisor.batteryTick.
// The reasoning behind every threshold is in docs/power.md "Battery".

/** (volts, percent) points, ascending in volts. The shape follows the CR2032 continuous-discharge curve
 *  (Energizer CR2032 datasheet: ~3.0 V fresh, a long plateau near 2.9 V, a knee, 2.0 V at the end of the
 *  rated 235 mAh on 15 kOhm), lowered ~0.05-0.2 V for the cell's internal resistance under the few mA the
 *  CPU draws while NRF.getBattery() samples VDD. On the plateau the estimate is coarse (+-20 %). */
export const SOC_CURVE = new Uint16Array([ // a typed array: ~5 variables of RAM where an array of numbers holds ~17
  2200, 0,
  2500, 5,
  2700, 15,
  2800, 30,
  2850, 45,
  2900, 70,
  2950, 90,
  3000, 100,
]);

// The percent is computed in PowerSupervisor.batteryTick (a function of its own here cost RAM on the device):
// piecewise linear along SOC_CURVE, 0 at or below its first point, 100 at or above its last, 0xFF unknown
// (NaN). It works in whole millivolts with integer rounding: with float maths Espruino 2v29 and Node rounded
// .5 boundaries differently (measured: 2.875 V gave 57 % on the interpreter, 58 % in Node), as Espruino's own
// decimal-literal parsing does not always give the nearest double.

/** Battery low is set after LOW_SAMPLES consecutive readings at or below LOW_SET_MV: past the knee of
 *  the curve, ~5 % (~11 mAh, weeks at the cap's ~12 uA) remain. */
export const LOW_SET_MV = 2500;
/** ...and cleared only at or above LOW_CLEAR_MV: 150 mV of hysteresis, more than the recovery of a
 *  coin cell after a radio pulse or a cold spell, so the flag does not flap. */
export const LOW_CLEAR_MV = 2650;
export const LOW_SAMPLES = 3;
/** No page erase is started below this voltage, read under the CPU's load: 1.7 V (nRF52832 minimum VDD; the
 *  brown-out reset holds the chip below it) + the sag of the erase's own ~4.5 mA on an end-of-life CR2032,
 *  whose internal resistance passes 100 Ω near the end (battery.ts's curve and sim/battery.ts model it so):
 *  4.5 mA × 150 Ω = 0.68 V. 1.7 + 0.68 = 2.38 V → 2.4 V. Below it an erase could brown out half-way, and the
 *  reboot would retry it: a reset loop that drains the last of the cell (the simulator shows it,
 *  test/e2e/low-battery.test.ts). It was 2.2 V with ~50 Ω assumed: the simulator's cell browned out there. */
export const MIN_ERASE_MV = 2400;
/** Word writes (67.5 us) are carried by the decoupling capacitor; allowed down to here so doses keep
 *  being recorded into already-erased space after erases stop. */
export const MIN_WRITE_MV = 2000;

/** True when a page erase may start. Unknown voltage (NaN: host build without a battery) allows it. */
export function eraseAllowed(volts: number): boolean {
  return !(volts === volts) || Math.round(volts * 1000) >= MIN_ERASE_MV;
}
export function writeAllowed(volts: number): boolean {
  return !(volts === volts) || Math.round(volts * 1000) >= MIN_WRITE_MV;
}

/** The battery part of the supervisor's state (PowerSupervisor implements it: the supervisor is its own
 *  status object, one object less in RAM on the device). Updated in place by batteryTick(). */
export interface BatteryStatus {
  millivolts: number; // 0 when unknown
  percent: number;    // 0..100, 0xFF unknown
  low: boolean;
  /** True on the reading that set the flag: log one BATTERY_LOW record (a = mV, b = percent). */
  becameLow: boolean;
  eraseAllowed: boolean;
}
