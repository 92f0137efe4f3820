// CPU time of the firmware's callbacks on an nRF52, for the simulator's clock and the energy model.
//
// Espruino interprets the firmware's JavaScript; on the cap that takes milliseconds per callback, which the
// virtual clock must not skip. The cost is expressed in *units*: one iteration of the calibration loop
//     while(i--){Math.abs(1);Math.abs(1);}
// measured on the 2v29 host build with callgrind (instruction counts, repeatable: `npx tsx
// bench/cpu-calibrate.ts`), and the firmware's own paths in the same units (bench/cpu-paths.ts). The model
// that the simulator evaluates for each callback is deliberately cheap:
//     units = UNITS_PER_CALLBACK + UNITS_PER_API_CALL x (calls the callback made into Espruino's API)
// An API call (Flash.read, E.CRC32, NRF.updateServices, getTime...) stands for the interpreted JavaScript
// around it; UNITS_PER_API_CALL is fitted to the measured send path (CALIBRATION below), the path whose
// speed the bench reports. A callback that loops in JavaScript without calling the API is undercharged: the
// model knows only what the API sees (docs/benchmarks.md, "CPU time").
//
// Units become milliseconds with the nRF52's factor: a range, NRF52_MS_PER_UNIT, until a cap owner measures
// it with
//     var t=getTime(),i=2000;while(i--){Math.abs(1);Math.abs(1);}print((getTime()-t)/2000)
// (milliseconds per unit x 1000 is what it prints, in seconds). The simulator uses the slow end by default:
// never kinder than the device.

/** Measured on the 2v29 host build (BOARD=LINUX, /work/esp/espruino/bin/espruino), 2026-12-04, by
 *  `npx tsx bench/cpu-calibrate.ts`: units per repetition of each path. */
export const CALIBRATION = {
  instructionsPerUnit: 49407,
  paths: {
    /** RACP report, 3 records per notification: LogPort.readMany (1 Flash.read, 3 E.CRC32) + the pump */
    notify3: { units: 44.6, apiCalls: 4 },
    /** the same at 1 record per notification (1 Flash.read, 1 E.CRC32) */
    notify1: { units: 26.7, apiCalls: 2 },
    /** DoseLog.append of a DOSE record (checks, 3 writes read back, CRC; measured on the unmangled bundle):
     *  a check of the fit, not fitted */
    append: { units: 118.1, apiCalls: 8 },
    /** an empty setTimeout callback: the interpreter's cost of running any callback */
    timer: { units: 1.94, apiCalls: 0 },
  },
};

/** Least squares through the origin over the two send paths: units per API call. */
function fitPerApiCall(): number {
  const p = [CALIBRATION.paths.notify3, CALIBRATION.paths.notify1];
  let xy = 0;
  let xx = 0;
  for (const q of p) {
    xy += q.apiCalls * q.units;
    xx += q.apiCalls * q.apiCalls;
  }
  return xy / xx;
}

export const UNITS_PER_API_CALL = fitPerApiCall();
export const UNITS_PER_CALLBACK = CALIBRATION.paths.timer.units;

/** Milliseconds per unit on an nRF52832 at 64 MHz: the range the bench reports (not measured here). */
export const NRF52_MS_PER_UNIT = { low: 0.1, high: 0.25 };
/** The simulator's default: the slow end of the range. */
export const DEFAULT_MS_PER_UNIT = NRF52_MS_PER_UNIT.high;

/** Units of one callback that made `apiCalls` calls into the API. */
export function callbackUnits(apiCalls: number): number {
  return UNITS_PER_CALLBACK + UNITS_PER_API_CALL * apiCalls;
}

/** Seconds of one callback on an nRF52 at `msPerUnit`. */
export function callbackSeconds(apiCalls: number, msPerUnit: number): number {
  return (callbackUnits(apiCalls) * msPerUnit) / 1000;
}
