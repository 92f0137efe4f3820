// Bundles firmware/main.ts into dist/firmware.js for the Espruino interpreter, through the Espruino gate
// (scripts/gate: source check, esbuild lowering, bundle check). Refusals print as file:line:col and exit 1.
// Usage: node build.mjs [--readable] [--quiet] [--entry FILE] [--outfile FILE]
import { buildFirmware, formatProblem, sizeReport } from "./scripts/gate/index.mjs";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const entry = value("--entry", "firmware/main.ts");
const outfile = value("--outfile", "dist/firmware.js");

const result = await buildFirmware({ entry, outfile, readable: flag("--readable") });
if (!result.ok) {
  for (const p of result.problems) console.error(formatProblem(p));
  console.error(`build refused: ${result.problems.length} construct(s) Espruino 2v29 cannot run; nothing written to ${outfile}`);
  process.exit(1);
}
if (!flag("--quiet")) console.log(sizeReport(outfile, result.bytes, result.modules));
