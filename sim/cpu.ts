// CPU time of the firmware's callbacks on an nRF52, for the simulator's clock and the energy model.
//
// Espruino interprets the firmware's JavaScript; on the cap that takes milliseconds per callback, which the
// virtual clock must not skip. The cost is expressed in *units*: one iteration of the calibration loop
//     while(i--){Math.abs(1);Math.abs(1);}
// measured on the 2v29 host build with callgrind (instruction counts, repeatable: `npx tsx
// bench/cpu-calibrate.ts`), and the firmware's own paths in the same units (bench/cpu-paths.ts). The model
// that the simulator evaluates for each callback is deliberately cheap:
//     units = UNITS_PER_CALLBACK + UNITS_PER_API_CALL x (calls into Espruino's API)
//                                + UNITS_PER_STEP x (steps: loop iterations + function entries)
// An API call (Flash.read, E.CRC32, NRF.updateServices, getTime...) and a step each stand for the interpreted
// JavaScript around them; the steps are the hang guard's count (sim/hang-guard.ts), so a loop is charged
// per iteration and a function per call. Both rates are fitted by least squares to the measured paths
// (CALIBRATION below: units from callgrind, API calls and steps from the same paths on the simulator,
// `npx tsx bench/cpu-steps.ts`). Straight-line JavaScript between two counted events is not seen: the
// model is a fit, good to the residuals docs/benchmarks.md lists ("CPU time"). Steps are counted only while
// the hang guard is on (SimDevice's default).
//
// Units become milliseconds with the nRF52's factor: a range, NRF52_MS_PER_UNIT, until a cap owner measures
// it with
//     var t=getTime(),i=2000;while(i--){Math.abs(1);Math.abs(1);}print((getTime()-t)/2000)
// (milliseconds per unit x 1000 is what it prints, in seconds). The simulator uses the slow end by default:
// never kinder than the device.

/** Measured on the 2v29 host build (BOARD=LINUX, /work/esp/espruino/bin/espruino), 2026-12-04, by
 *  `npx tsx bench/cpu-calibrate.ts` (units per repetition of each path), and on the simulator by
 *  `npx tsx bench/cpu-steps.ts` (API calls and steps per repetition). */
export const CALIBRATION = {
  instructionsPerUnit: 49312,
  paths: {
    /** RACP report, 3 records per notification: the pump's batches of 15 records (1 Flash.read and 15
     *  E.CRC32 per 5 notifications) through LogPort.readMany */
    notify3: { units: 27.86, apiCalls: 3.25, steps: 6.51 },
    /** the same at 1 record per notification (batches of 15 records: 15 notifications) */
    notify1: { units: 12.21, apiCalls: 1.08, steps: 3.5 },
    /** DoseLog.append of a DOSE record (checks, 3 writes read back, CRC) */
    append: { units: 109.44, apiCalls: 8.14, steps: 75.58 },
    /** an empty setTimeout callback: the interpreter's cost of running any callback */
    timer: { units: 1.93, apiCalls: 0, steps: 0 },
  },
};

/** Least squares (through the origin) over the measured paths: [units per API call, units per step]. */
function fit(): [number, number] {
  const ps = [CALIBRATION.paths.notify3, CALIBRATION.paths.notify1, CALIBRATION.paths.append];
  let aa = 0;
  let ab = 0;
  let bb = 0;
  let ay = 0;
  let by = 0;
  for (const q of ps) {
    aa += q.apiCalls * q.apiCalls;
    ab += q.apiCalls * q.steps;
    bb += q.steps * q.steps;
    ay += q.apiCalls * q.units;
    by += q.steps * q.units;
  }
  const det = aa * bb - ab * ab;
  return [(ay * bb - by * ab) / det, (aa * by - ab * ay) / det];
}

const FIT = fit();
export const UNITS_PER_API_CALL = FIT[0];
export const UNITS_PER_STEP = FIT[1];
export const UNITS_PER_CALLBACK = CALIBRATION.paths.timer.units;

/** Milliseconds per unit on an nRF52832 at 64 MHz: the range the bench reports (not measured here). */
export const NRF52_MS_PER_UNIT = { low: 0.1, high: 0.25 };
/** The simulator's default: the slow end of the range. */
export const DEFAULT_MS_PER_UNIT = NRF52_MS_PER_UNIT.high;

/** Units of one callback that made `apiCalls` calls into the API and took `steps` steps. */
export function callbackUnits(apiCalls: number, steps: number): number {
  return UNITS_PER_CALLBACK + UNITS_PER_API_CALL * apiCalls + UNITS_PER_STEP * steps;
}

/** Seconds of one callback on an nRF52 at `msPerUnit`. */
export function callbackSeconds(apiCalls: number, steps: number, msPerUnit: number): number {
  return (callbackUnits(apiCalls, steps) * msPerUnit) / 1000;
}
