// Bundles firmware/main.ts into dist/firmware.js for the Espruino interpreter, through the Espruino gate
// (scripts/gate: source check, esbuild lowering, bundle check). Refusals print as file:line:col and exit 1.
// Usage: node build.mjs [--readable] [--no-mangle] [--quiet] [--entry FILE] [--outfile FILE]
//   --readable: not minified (and not mangled), for reading and debugging on the device
//   --no-mangle: minified but the firmware's own property names kept (scripts/gate/mangle.mjs)
import { buildFirmware, formatProblem, sizeReport } from "./scripts/gate/index.mjs";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const entry = value("--entry", "firmware/main.ts");
const outfile = value("--outfile", "dist/firmware.js");

let result;
try {
  result = await buildFirmware({ entry, outfile, readable: flag("--readable"), mangle: flag("--no-mangle") || flag("--readable") ? false : true });
} catch (e) {
  console.error(`build.mjs: ${e instanceof Error ? e.message : e}`);
  process.exit(2);
}
if (!result.ok) {
  for (const p of result.problems) console.error(formatProblem(p));
  const gate = result.problems.filter((p) => p.rule !== "esbuild").length;
  console.error(`build refused: ${gate ? `${gate} construct(s) Espruino 2v29 cannot run` : `${result.problems.length} esbuild error(s)`}; nothing written to ${outfile}`);
  process.exit(1);
}
if (!flag("--quiet")) console.log(sizeReport(outfile, result.bytes, result.modules, result));
