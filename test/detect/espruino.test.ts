// The pure detection modules on the real interpreter: the driver is bundled like the firmware (esbuild iife)
// and run on Node and, when present, on Espruino's host build; both must print the golden event list.
import { describe, it, expect } from "vitest";
import { ESPRUINO, INTERPRETER_HANG_MS, noEspruino } from "../espruino-bin.js";
import * as esbuild from "esbuild";
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import vm from "node:vm";

const golden = readFileSync(join(__dirname, "espruino/expected.txt"), "utf8").trim();
const only = (s: string) => s.replace(/\r/g, "").split("\n").filter((l) => /^(E|S|C|END)( |$)/.test(l)).join("\n");

async function bundle(entry = "espruino/driver.ts"): Promise<string> {
  const r = await esbuild.build({
    entryPoints: [join(__dirname, entry)],
    bundle: true,
    format: "iife",
    platform: "neutral",
    target: "es2020",
    write: false,
    logLevel: "error",
  });
  return r.outputFiles[0].text;
}

describe("detection on the interpreter", () => {
  it("Node prints the golden trace result", async () => {
    const code = await bundle();
    const lines: string[] = [];
    vm.runInNewContext(code, { console: { log: (s: string) => lines.push(s) }, Math, Object });
    expect(only(lines.join("\n"))).toBe(only(golden));
  });

  it.skipIf(noEspruino())("Espruino 2v29 (host build) prints the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "detect-"));
    const file = join(dir, "driver.js");
    writeFileSync(file, await bundle());
    const out = execFileSync(ESPRUINO!, [file], { cwd: dir, input: "", timeout: INTERPRETER_HANG_MS }).toString();
    expect(out).not.toMatch(/Uncaught|Error/);
    expect(only(out)).toBe(only(golden));
  });

  it.skipIf(noEspruino())("the hw adapters boot on the host build (BOARD=LINUX)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "detect-"));
    const file = join(dir, "hw.js");
    writeFileSync(file, await bundle("espruino/hw-driver.ts"));
    const out = execFileSync(ESPRUINO!, [file], { cwd: dir, input: "", timeout: INTERPRETER_HANG_MS }).toString().replace(/\r/g, "");
    expect(out).not.toMatch(/Uncaught|Error/);
    // marker set, cap on (virtual pin reads 0), nothing logged after it: the interrupted session is logged once
    expect(out).toContain("event 3 36 0 65408"); // UNCERTAIN_DOSE, basal|interrupted, 0 s, temp+units unknown
    expect(out).toContain("board LINUX boot action 2 cap on true next 299.9");
    expect(out).toContain("indicator: signal 1 3");
    expect(out).toContain("unknown board -> BOARD_UNKNOWN");
    expect(out).toContain("stopped");
  });
});
