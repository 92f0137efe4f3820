// Builds the companion client for plain Node and browsers (docs/client.md "Using the client"):
//   dist/client/index.js  ESM, platform-neutral (browsers, Node >= 20): client/index.ts
//   dist/client/node.js   ESM for Node: the same plus the file vault backend (client/node.ts)
// Types: the TypeScript sources (package.json "exports" → "types").
import { build } from "esbuild";

const i = process.argv.indexOf("--outdir");
const outdir = i >= 0 ? process.argv[i + 1] : "dist/client";
const common = { bundle: true, format: "esm", target: "es2022", sourcemap: true, logLevel: "warning", legalComments: "none" };
await build({ ...common, entryPoints: ["client/index.ts"], outfile: `${outdir}/index.js`, platform: "neutral" });
await build({ ...common, entryPoints: ["client/node.ts"], outfile: `${outdir}/node.js`, platform: "node" });
if (!process.argv.includes("--quiet")) console.log(`client: ${outdir}/index.js, ${outdir}/node.js`);
