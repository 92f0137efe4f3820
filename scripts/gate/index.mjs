// The Espruino gate: source check -> esbuild (lowering what it can) -> bundle check -> write.
// A bundle that Espruino cannot run is never written as a success. See docs/espruino-gate.md.
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { checkSources, firmwareSources, formatProblem, FIRMWARE_TSCONFIG } from "./source-check.mjs";
import { checkBundle, decodeMappings } from "./bundle-check.mjs";
import { collectMangleNames, exactNames, RESERVED } from "./mangle.mjs";
import { pretokenise } from "./pretokenise.mjs";
import { collectConstInlines, inlineConstsPlugin } from "./inline-consts.mjs";
import { ESPRUINO_GLOBALS, reserveGlobalsSource } from "./espruino-globals.mjs";

export { ESPRUINO_GLOBALS };
export { checkSources, firmwareSources, checkBundle, decodeMappings, formatProblem, FIRMWARE_TSCONFIG, collectMangleNames, RESERVED, pretokenise };

/**
 * esbuild `supported` overrides: features Espruino 2v29 lacks and esbuild can lower (measured: the lowered
 * forms run on the interpreter). Default/rest parameters, array/call spread, destructuring and computed
 * keys are also missing, but esbuild 0.28 cannot lower them ("not supported yet"), so the source check
 * refuses them instead.
 */
export const ESBUILD_SUPPORTED = Object.freeze({
  "object-rest-spread": false, // { ...o } -> __spreadValues/__spreadProps
  "optional-chain": false, // a?.b -> a == null ? void 0 : a.b
  "exponent-operator": false, // a ** b -> Math.pow(a, b)
  "logical-assignment": false, // a ??= b -> a ?? (a = b)
  "class-static-blocks": false, // static { } -> statements after the class
  "class-private-field": false, "class-private-method": false, "class-private-accessor": false, // refused at source
  "async-await": false, "async-generator": false, "for-await": false, // refused at source
  "unicode-escapes": false, // "\u{1F600}" -> "\uD83D\uDE00" (Espruino: Error: Invalid escape sequence)
  "regexp-dot-all-flag": false, "regexp-sticky-and-unicode-flags": false, // refused at source
  "new-target": false, // refused at source
  bigint: false,
  "import-meta": false,
});

/**
 * Checks and bundles one entry file.
 * @param {{ entry?: string, outfile?: string, readable?: boolean, mangle?: boolean, write?: boolean }} [opts]
 *   entry defaults to firmware/main.ts, outfile to dist/firmware.js; write:false keeps the bundle in memory.
 *   mangle (default: true unless readable) renames the firmware's own property names (mangle.mjs).
 * @returns {Promise<{ ok: boolean, problems: import("./source-check.mjs").Problem[], code?: string,
 *   bytes?: number, modules?: { path: string, bytes: number }[], files?: string[],
 *   mangled?: string[] }>} mangled: the property names that were renamed (empty when not mangling)
 */
export async function buildFirmware(opts = {}) {
  const entry = opts.entry ?? "firmware/main.ts";
  const outfile = opts.outfile ?? "dist/firmware.js";
  const { files, problems, program } = checkSources(entry);
  if (problems.length) return { ok: false, problems, files };
  const mangle = opts.mangle ?? !opts.readable;
  const names = mangle ? collectMangleNames(program) : { mangle: [], reserved: [] };
  // Module-level number/boolean constants inlined at their uses (inline-consts.mjs): RAM on the cap.
  const inlines = mangle ? collectConstInlines(program) : new Map();
  const mangleOptions = names.mangle.length
    ? { mangleProps: exactNames(names.mangle), reserveProps: exactNames(names.reserved), mangleQuoted: false }
    : {};

  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      // No IIFE: the bundle's top level is the interpreter's global scope (espruino-globals.mjs says why
      // and how its names are kept apart from the interpreter's own).
      format: "esm",
      // Strict in Node (the simulator) as the IIFE's directive made it; a plain string statement to Espruino.
      banner: { js: '"use strict";' },
      platform: "neutral",
      target: "es2020",
      supported: ESBUILD_SUPPORTED,
      // require("Flash"), require("Storage"), require(name): Espruino's own modules, resolved by the
      // interpreter at run time. Rewriting the identifier stops esbuild from trying to bundle them (it would
      // fail: "Could not resolve") or from adding its __require shim (which refers to Proxy).
      define: { require: "global.require" },
      // Same TypeScript settings for every entry (fixtures too) as for firmware/: class fields follow
      // useDefineForClassFields of its ES5 target (plain this.x = ... assignments).
      tsconfig: FIRMWARE_TSCONFIG,
      minify: !opts.readable,
      sourcemap: "external",
      metafile: true,
      write: false,
      logLevel: "silent",
      legalComments: "none",
      plugins: [inlineConstsPlugin(inlines, { file: path.resolve(entry), text: reserveGlobalsSource() })],
      ...mangleOptions,
    });
  } catch (e) {
    const errs = e.errors ?? [];
    return {
      ok: false, files,
      problems: errs.length ? errs.map((m) => ({
        file: m.location?.file ?? entry, line: m.location?.line ?? 0, column: (m.location?.column ?? 0) + 1,
        rule: "esbuild", message: m.text,
      })) : [{ file: entry, line: 0, column: 0, rule: "esbuild", message: String(e.message ?? e) }],
    };
  }
  const outAbs = path.resolve(outfile);
  const jsFile = result.outputFiles.find((f) => path.resolve(f.path) === outAbs);
  const mapFile = result.outputFiles.find((f) => path.resolve(f.path) === outAbs + ".map");
  const code = jsFile.text;
  const sourceMap = mapFile ? JSON.parse(mapFile.text) : undefined;
  const bundleProblems = checkBundle(code, { file: path.relative(process.cwd(), outAbs), sourceMap, mapDir: path.dirname(outAbs), globals: ESPRUINO_GLOBALS });
  if (bundleProblems.length) return { ok: false, problems: bundleProblems, files };

  const metaOut = Object.entries(result.metafile.outputs).find(([p]) => path.resolve(p) === outAbs)?.[1];
  const modules = Object.entries(metaOut?.inputs ?? {})
    .map(([p, v]) => ({ path: p, bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  const bytes = Buffer.byteLength(code);
  if (opts.write !== false) {
    fs.mkdirSync(path.dirname(outAbs), { recursive: true });
    fs.writeFileSync(outAbs, code);
    if (mapFile) fs.writeFileSync(outAbs + ".map", mapFile.text);
  }
  return { ok: true, problems: [], code, bytes, modules, files, mangled: names.mangle };
}

/**
 * The size report printed by build.mjs: total bytes, the mangling, the pretokenised size, each module's share.
 * @param {{ code?: string, mangled?: string[] }} [build] buildFirmware's result (for the extra lines)
 */
export function sizeReport(outfile, bytes, modules, build = {}) {
  const lines = [`${outfile}: ${bytes} bytes${build.mangled ? (build.mangled.length ? `, ${build.mangled.length} own property names mangled` : ", property names not mangled") : ""}`];
  const tok = build.code ? pretokenise(build.code) : null;
  if (tok) lines.push(`  pretokenised by the Espruino CLI (PRETOKENISE=1, 2v29): ${Buffer.byteLength(tok, "latin1")} bytes (as flash.sh uploads it: .bootcde)`);
  const inModules = modules.reduce((s, m) => s + m.bytes, 0);
  const rows = [...modules, { path: "(esbuild wrapper and helpers)", bytes: bytes - inModules }].filter((r) => r.bytes > 0);
  const width = Math.max(...rows.map((r) => r.path.length));
  for (const r of rows) {
    lines.push(`  ${r.path.padEnd(width)}  ${String(r.bytes).padStart(7)} B  ${((100 * r.bytes) / bytes).toFixed(1).padStart(5)} %`);
  }
  return lines.join("\n");
}
