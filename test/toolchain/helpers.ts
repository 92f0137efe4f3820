// Shared by the toolchain tests: where fixtures live and the real interpreter, when there is one.
import fs from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");
export const FIXTURES = path.join(ROOT, "test/fixtures/gate");
export const ESPRUINO_BIN = process.env.ESPRUINO_BIN;

let told = false;
/** Says once why the real-interpreter tests are skipped (CI has no Espruino host build). */
export function explainSkip(): void {
  if (ESPRUINO_BIN || told) return;
  told = true;
  console.log("ESPRUINO_BIN is not set: skipping the runs on the real Espruino interpreter (see README, \"Checking on the real interpreter\")");
}

/** Each `// expect: rule` marker in a fixture file: its 1-based line and the rule. */
export function expectations(file: string): { line: number; rule: string }[] {
  return fs.readFileSync(file, "utf8").split("\n").flatMap((text, i) => {
    const m = /\/\/ expect: ([a-z-]+)/.exec(text);
    return m ? [{ line: i + 1, rule: m[1] }] : [];
  });
}
