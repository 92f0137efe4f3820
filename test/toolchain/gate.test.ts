// The Espruino gate refuses, with file:line, every construct the language sheet marks "no" that esbuild
// cannot lower, and lets through a fixture that uses only "yes" constructs (and whose bundle runs).
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { execFileSync } from "node:child_process";
import { buildFirmware, checkSources, formatProblem, ESPRUINO_GLOBALS } from "../../scripts/gate/index.mjs";
import { checkBundle } from "../../scripts/gate/bundle-check.mjs";
import * as acorn from "acorn";
import { runOnEspruino } from "../../scripts/espruino-run.mjs";
import { ROOT, FIXTURES, ESPRUINO_BIN, explainSkip, expectations } from "./helpers";

const rel = (p: string) => path.relative(process.cwd(), p);
const refuseDir = path.join(FIXTURES, "refuse");
const refused = fs.readdirSync(refuseDir).filter((f) => f.endsWith(".ts")).sort();

/** Runs a bundle in a fresh Node context with a console that records lines. */
function runInNode(code: string): string[] {
  const lines: string[] = [];
  const context = vm.createContext({ console: { log: (...a: unknown[]) => lines.push(a.join(" ")) }, process: { env: { BOARD: "NODE" } } });
  vm.runInContext(code, context);
  return lines;
}
async function flushPromises(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}

describe("refused constructs: one fixture each, refused with its file:line", () => {
  it("has a fixture for each rule of the source check", () => {
    const rules = new Set(refused.flatMap((f) => expectations(path.join(refuseDir, f)).map((e) => e.rule)));
    for (const rule of ["labelled-statement", "generator", "async", "private-field", "extends-error", "loop-closure",
      "default-parameter", "rest-parameter", "spread", "destructuring", "computed-key", "missing-builtin", "node-import",
      "sim-import", "prototype-method", "derived-class-fields", "tagged-template", "new-target", "regexp-flag",
      "require-file"]) {
      expect(rules, rule).toContain(rule);
    }
  });

  it.each(refused)("%s", async (name) => {
    const file = path.join(refuseDir, name);
    const want = expectations(file);
    expect(want.length, "fixture marks its refused line with // expect: rule").toBeGreaterThan(0);
    const outfile = path.join(os.tmpdir(), `gate-${process.pid}-${name}.js`);
    const result = await buildFirmware({ entry: rel(file), outfile, write: true });
    expect(result.ok).toBe(false);
    expect(fs.existsSync(outfile), "a refused build writes nothing").toBe(false);
    for (const w of want) {
      const hit = result.problems.find((p) => p.file === rel(file) && p.line === w.line && p.rule === w.rule);
      expect(hit, `${rel(file)}:${w.line} ${w.rule}\n got: ${result.problems.map(formatProblem).join("\n")}`).toBeDefined();
      expect(formatProblem(hit!)).toMatch(new RegExp(`^${rel(file).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:${w.line}:\\d+: `));
    }
  });

  it("build.mjs prints file:line:col and exits 1", () => {
    const file = rel(path.join(refuseDir, "missing-math-trunc.ts"));
    let status = 0;
    let stderr = "";
    try {
      execFileSync(process.execPath, ["build.mjs", "--entry", file, "--outfile", path.join(os.tmpdir(), "gate-cli.js")], { cwd: ROOT, stdio: "pipe" });
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      status = err.status;
      stderr = err.stderr.toString();
    }
    expect(status).toBe(1);
    expect(stderr).toContain(`${file}:1:16: Math.trunc does not exist on Espruino 2v29`);
    expect(stderr).toContain("build refused");
  });
});

describe("the bundle check is a safety net behind the source check", () => {
  it("refuses forbidden code the source check cannot see (a .js module), at its place in that file", async () => {
    const entry = rel(path.join(FIXTURES, "safety-net/main.ts"));
    expect(checkSources(entry).problems).toEqual([]);
    const result = await buildFirmware({ entry, outfile: path.join(os.tmpdir(), "gate-safety.js"), write: false });
    expect(result.ok).toBe(false);
    const legacy = path.join(FIXTURES, "safety-net/legacy.js");
    for (const w of expectations(legacy)) {
      expect(result.problems.some((p) => p.file === rel(legacy) && p.line === w.line && p.rule === w.rule),
        `${w.rule} at line ${w.line}: ${result.problems.map(formatProblem).join("\n")}`).toBe(true);
    }
  });
});

describe("allowed constructs", () => {
  explainSkip();
  const entry = () => rel(path.join(FIXTURES, "yes/main.ts"));

  it.each([false, true])("the yes fixture builds (readable: %s) and prints its answers", async (readable) => {
    const result = await buildFirmware({ entry: entry(), outfile: path.join(os.tmpdir(), "gate-yes.js"), readable, write: false });
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.ok).toBe(true);
    const lines = runInNode(result.code!);
    await flushPromises();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('class=["D(set5:3)",6,"set5",101,true]');
    expect(lines[0]).toContain('lowered=[{"seq":1,"time":2,"type":3},null,"none",null,1024,9,4,6,8]');
    expect(lines[0]).toContain('loops=[[0,1,2],"ABC",6,["seq","time"]]');
  });

  it.skipIf(!ESPRUINO_BIN)("the yes fixture's bundle prints the same on the real interpreter as on Node", async () => {
    for (const readable of [false, true]) {
      const outfile = path.join(os.tmpdir(), `gate-yes-${readable}.js`);
      const result = await buildFirmware({ entry: entry(), outfile, readable });
      const nodeLines = runInNode(result.code!);
      await flushPromises();
      const run = await runOnEspruino(outfile, { timeoutMs: 10_000 });
      expect(run.errors).toEqual([]);
      expect(run.lines.filter((l) => l.startsWith("YES "))).toEqual(nodeLines);
    }
  });

  it("leaves require() of Espruino's modules to the interpreter: no bundling, no shim", async () => {
    const outfile = path.join(os.tmpdir(), "gate-modules.js");
    const result = await buildFirmware({ entry: rel(path.join(FIXTURES, "modules/main.ts")), outfile, readable: true });
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.code).toContain('(0, global.require)("Flash")');
    expect(result.code).not.toContain("__require");
    if (ESPRUINO_BIN) {
      const run = await runOnEspruino(outfile, { timeoutMs: 10_000 });
      expect(run.errors).toEqual([]);
      expect(run.lines).toContain("MODULES true function");
    }
  });

  it("firmware/main.ts builds, with a size report per module", async () => {
    const result = await buildFirmware({ outfile: path.join(os.tmpdir(), "gate-main.js"), write: false });
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.bytes).toBeGreaterThan(0);
    expect(result.modules!.map((m) => m.path)).toContain("firmware/main.ts");
  });

  it.skipIf(!ESPRUINO_BIN)("dist/firmware.js (as built by npm run build) runs on the real interpreter without error", async () => {
    const outfile = path.join(os.tmpdir(), "gate-main-run.js");
    await buildFirmware({ outfile });
    const run = await runOnEspruino(outfile, { timeoutMs: 10_000 });
    expect(run.errors).toEqual([]);
    expect(run.lines.join("\n")).toContain("pencap: boot on LINUX");
  });
});

describe("the bundle's top level is the interpreter's global scope", () => {
  const entry = () => rel(path.join(FIXTURES, "globals/main.ts"));
  const topLevel = (code: string): string[] =>
    (acorn.parse(code, { ecmaVersion: "latest", sourceType: "script" }) as unknown as { body: Array<{ type: string; id?: { name: string }; declarations?: Array<{ id: { name: string } }> }> }).body.flatMap((s) =>
      s.type === "VariableDeclaration" ? s.declarations!.map((d) => d.id.name) : s.id ? [s.id.name] : [],
    );

  it.each([false, true])("module-level names that are Espruino globals are renamed (readable: %s)", async (readable) => {
    const result = await buildFirmware({ entry: entry(), outfile: path.join(os.tmpdir(), "gate-globals.js"), readable, write: false });
    expect(result.problems.map(formatProblem)).toEqual([]);
    const names = topLevel(result.code!);
    expect(names.length).toBeGreaterThanOrEqual(readable ? 5 : 1);
    expect(names.filter((n) => ESPRUINO_GLOBALS.includes(n))).toEqual([]);
    expect(result.code!.startsWith('"use strict";')).toBe(true);
    expect(runInNode(result.code!)).toEqual(["GLOBALS [2,5,0,8,9,9]"]);
    if (!readable) expect(result.code).not.toContain("if(!1)"); // the reservation is dead code, dropped
  });

  it("an entry that declares a global's name at its top level is refused in a readable build, with its place", async () => {
    const result = await buildFirmware({ entry: rel(path.join(FIXTURES, "globals/entry-declares.ts")), outfile: path.join(os.tmpdir(), "gate-globals-entry.js"), readable: true, write: false });
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => [p.file, p.line, p.rule])).toEqual([[rel(path.join(FIXTURES, "globals/entry-declares.ts")), 3, "global-name"]]);
    // minified, esbuild renames it like any other name
    const min = await buildFirmware({ entry: rel(path.join(FIXTURES, "globals/entry-declares.ts")), outfile: path.join(os.tmpdir(), "gate-globals-entry.js"), write: false });
    expect(min.problems).toEqual([]);
    expect(runInNode(min.code!)).toEqual(["RESET 0"]);
  });

  it("the firmware bundle has no IIFE and no top-level name of the interpreter's", async () => {
    const result = await buildFirmware({ outfile: path.join(os.tmpdir(), "gate-main-globals.js"), write: false });
    const names = topLevel(result.code!);
    expect(names.length).toBeGreaterThan(50); // its functions and state are at global scope
    expect(names.filter((n) => ESPRUINO_GLOBALS.includes(n))).toEqual([]);
  });

  it("the bundle check refuses a top-level binding that takes a global's name, and only at top level", () => {
    const globals = ["D5", "print"];
    const bad = checkBundle("var D5 = 1; function print() {}", { file: "b.js", globals });
    expect(bad.map((p) => [p.rule, p.column])).toEqual([["global-name", 5], ["global-name", 22]]);
    expect(checkBundle("function f() { var D5 = 1; function print() {} return D5; } f();", { file: "b.js", globals })).toEqual([]);
  });

  it.skipIf(!ESPRUINO_BIN)("the list covers every global of the 2v29 host interpreter", async () => {
    const file = path.join(os.tmpdir(), "gate-globals-list.js");
    fs.writeFileSync(file, 'print("NAMES " + JSON.stringify(Object.getOwnPropertyNames(global)));\n');
    const run = await runOnEspruino(file, { timeoutMs: 10_000 });
    const line = run.lines.find((l) => l.startsWith("NAMES "))!;
    const names = (JSON.parse(line.slice(6)) as string[]).filter((n) => n !== "arguments" && n !== "eval");
    expect(names.filter((n) => !ESPRUINO_GLOBALS.includes(n))).toEqual([]);
  });

  it.skipIf(!ESPRUINO_BIN)("the renamed bundle prints the same on the real interpreter, whose reset() is untouched", async () => {
    for (const readable of [false, true]) {
      const outfile = path.join(os.tmpdir(), `gate-globals-${readable}.js`);
      const result = await buildFirmware({ entry: entry(), outfile, readable });
      fs.appendFileSync(outfile, 'print("NATIVE " + typeof reset + " " + (String(reset).indexOf("[native code]") >= 0));\n');
      const run = await runOnEspruino(outfile, { timeoutMs: 10_000 });
      expect(run.errors).toEqual([]);
      expect(run.lines.filter((l) => l.startsWith("GLOBALS "))).toEqual(runInNode(result.code!));
      expect(run.lines).toContain("NATIVE function true");
    }
  });
});
