// The size the bundle would take in Storage if the Espruino CLI pretokenised it on upload (its PRETOKENISE
// option, node_modules/espruino/plugins/pretokenise.js). The plugin itself is run, unchanged, in a vm context
// with the two globals it expects (acorn, a minimal Espruino object), so the figure is the CLI's own.
// flash.sh uploads the bundle pretokenised (--config PRETOKENISE=1) and the simulator stores these bytes as
// .bootcde (sim/device.ts bootCodeBytes); build.mjs prints the size (docs/espruino-gate.md).
import vm from "node:vm";
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let tokenise = null;

/**
 * Pretokenises `code` as the CLI does for a device reporting `version` (2v29: keywords, operators, strings
 * and integers become byte tokens). Returns the tokenised text (one char = one byte), or null when the
 * plugin is not installed.
 * @param {string} code @param {string} [version]
 */
export function pretokenise(code, version = "2v29") {
  if (!tokenise) {
    let src;
    try {
      src = fs.readFileSync(require.resolve("espruino/plugins/pretokenise.js"), "utf8");
    } catch {
      return null;
    }
    const Espruino = {
      Config: { PRETOKENISE: 1 }, // "Auto": strings from 2v20.48, integers from 2v26 (by the reported version)
      Core: { Env: { getBoardData: () => ({ VERSION: currentVersion }) }, Config: { add() {} },
        Utils: { atob: (s) => Buffer.from(s, "base64").toString("latin1") } },
      Plugins: {},
      addProcessor() {},
    };
    vm.runInNewContext(src, { acorn: require("acorn"), Espruino, console });
    tokenise = Espruino.Plugins.Pretokenise.tokenise;
  }
  currentVersion = version;
  return tokenise(code);
}
let currentVersion = "2v29";
