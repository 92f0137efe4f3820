// The firmware/power modules give the same answers on the real Espruino interpreter (host build 2v29)
// as in Node. Skipped when ESPRUINO_BIN (an Espruino 2v29 host build) is not set.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import vm from "node:vm";
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";
import { ESPRUINO, INTERPRETER_HANG_MS, noEspruino } from "../espruino-bin.js";


function bundle(dir: string): string {
  const out = join(dir, "driver.js");
  esbuild.buildSync({
    entryPoints: ["test/power/espruino/driver.ts"], outfile: out, bundle: true, format: "iife",
    platform: "neutral", target: "es2020", external: ["Storage"], logLevel: "error",
  });
  return out;
}

function line(output: string, tag: string): unknown {
  const l = output.split(/\r?\n/).find((s) => s.startsWith(tag));
  if (!l) throw new Error(`no ${tag} line in:\n${output}`);
  return JSON.parse(l.slice(tag.length));
}

describe.skipIf(noEspruino())("firmware/power on the Espruino interpreter", () => {
  it("matches Node on the pure modules, and the state area keeps the crash history", () => {
    const dir = mkdtempSync(join(tmpdir(), "pwr-"));
    const js = bundle(dir);
    const printed: string[] = [];
    vm.runInNewContext(readFileSync(js, "utf8"), { print: (s: string) => printed.push(s), process: { env: {} } });
    const node = line(printed.join("\n"), "PURE:");
    const out = execFileSync(ESPRUINO!, [js], { cwd: dir, input: "", encoding: "utf8", timeout: INTERPRETER_HANG_MS });
    expect(line(out, "PURE:")).toEqual(node);
    // three watchdog resets then a power-on: safe mode from the third boot, one state record per boot
    expect(line(out, "STORAGE:")).toEqual({
      boots: ["1:1:false", "2:2:false", "3:3:true", "4:3:true"],
      last: "64:3:true",
      serial: 64,
      stored: [64, 3, 1],
    });
    expect(line(out, "ADAPTER:")).toEqual({ reset: 15, flags: [] });
  });
});
