// Source lint of the Espruino gate without bundling: `node scripts/gate/check.mjs [entry.ts]`
// (default firmware/main.ts). Prints file:line:col for each refused construct; exit 1 if any.
import { checkSources, formatProblem } from "./source-check.mjs";

const entry = process.argv[2] ?? "firmware/main.ts";
const { files, problems } = checkSources(entry);
for (const p of problems) console.error(formatProblem(p));
if (problems.length) {
  console.error(`espruino gate: ${problems.length} construct(s) Espruino 2v29 cannot run`);
  process.exit(1);
}
console.log(`espruino gate: ${files.length} firmware file(s) clean`);
