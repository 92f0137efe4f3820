// Source lint of the Espruino gate without bundling. Prints file:line:col for each refused construct; exit 1 if any.
//   node scripts/gate/check.mjs            firmware/main.ts and every other firmware/**/*.ts (npm run check)
//   node scripts/gate/check.mjs FILE.ts    FILE.ts and what it imports
import { checkSources, firmwareSources, formatProblem } from "./source-check.mjs";

const entries = process.argv.length > 2 ? process.argv.slice(2) : ["firmware/main.ts", ...firmwareSources()];
const { files, problems } = checkSources([...new Set(entries)]);
for (const p of problems) console.error(formatProblem(p));
if (problems.length) {
  console.error(`espruino gate: ${problems.length} construct(s) Espruino 2v29 cannot run`);
  process.exit(1);
}
console.log(`espruino gate: ${files.length} firmware file(s) clean`);
