// Bundles firmware/main.ts into dist/firmware.js for the Espruino interpreter.
// Usage: node build.mjs [--readable] [--quiet]
import * as esbuild from "esbuild";
import { mkdirSync } from "node:fs";

const args = new Set(process.argv.slice(2));
const readable = args.has("--readable");
const quiet = args.has("--quiet");

mkdirSync("dist", { recursive: true });
const result = await esbuild.build({
  entryPoints: ["firmware/main.ts"],
  outfile: "dist/firmware.js",
  bundle: true,
  format: "iife",
  platform: "neutral",
  target: "es2020",
  minify: !readable,
  metafile: true,
  logLevel: "error",
});
if (!quiet) {
  const out = result.metafile.outputs["dist/firmware.js"];
  console.log(`dist/firmware.js: ${out.bytes} bytes`);
}
