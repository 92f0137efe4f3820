// The real Espruino 2v29 interpreter for the tests that compare with it: the path in ESPRUINO_BIN (README,
// "Checking on the real interpreter"), never a path written into a test. Unset: those tests skip and say so.
// Set to a file that does not exist: every such test fails, rather than skipping quietly.
import { existsSync } from "node:fs";

export const ESPRUINO = process.env.ESPRUINO_BIN || undefined;

let told = false;
/** For skipIf: true when the comparisons cannot run (printed once per test file). */
export function noEspruino(): boolean {
  if (ESPRUINO) {
    if (!existsSync(ESPRUINO)) throw new Error(`ESPRUINO_BIN=${ESPRUINO} does not exist (the path of an Espruino 2v29 host build)`);
    return false;
  }
  if (!told) console.log("ESPRUINO_BIN is not set: skipping the comparisons with the real Espruino interpreter");
  told = true;
  return true;
}

/**
 * Milliseconds after which an interpreter run is killed: only for a run that never ends (a hang). Generous on
 * purpose, so a loaded machine never fails a test; the scripts themselves run in well under a second.
 */
export const INTERPRETER_HANG_MS = 600_000;
