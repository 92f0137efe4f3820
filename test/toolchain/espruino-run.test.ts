// scripts/espruino-run.mjs: output judging, checked against a stand-in interpreter (a shell script) so it
// runs in CI; the real interpreter is exercised in gate.test.ts and flash.test.ts when ESPRUINO_BIN is set.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cleanOutput, findErrors, runOnEspruino } from "../../scripts/espruino-run.mjs";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "espruino-run-test-"));
function fakeInterpreter(body: string): string {
  const file = path.join(tmp, `fake-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}
const program = path.join(tmp, "program.js");
fs.writeFileSync(program, "console.log(1)");

describe("espruino-run", () => {
  it("drops the banner, terminal escapes and prompts", () => {
    const raw = " ____ banner\r\n http://espruino.com/Donate\r\n\x1b[J>hello\r\n>\r\n";
    expect(cleanOutput(raw)).toEqual(["hello"]);
  });

  it.each([
    ["Uncaught Error: Function \"trunc\" not found!", true],
    ["Uncaught SyntaxError: Got '=' expected ','", true],
    ["ReferenceError: \"Map\" is not defined", true],
    ["pencap: boot on LINUX", false],
  ])("judges %s", (line, bad) => {
    expect(findErrors([line]).length > 0).toBe(bad);
  });

  it("passes a program that prints no error and ends", async () => {
    const bin = fakeInterpreter('echo " http://espruino.com/Donate"; echo "ok from $1"');
    const r = await runOnEspruino(program, { bin, timeoutMs: 5000 });
    expect(r.errors).toEqual([]);
    expect(r.timedOut).toBe(false);
    expect(r.lines).toEqual([`ok from ${program}`]);
  });

  it("fails on an error in the output", async () => {
    const bin = fakeInterpreter('echo "Uncaught ReferenceError: \\"Map\\" is not defined"');
    const r = await runOnEspruino(program, { bin, timeoutMs: 5000 });
    expect(r.errors).toHaveLength(1);
  });

  it("stops a program still running at the timeout, which is not an error by itself", async () => {
    const bin = fakeInterpreter('echo "running"; exec sleep 30');
    const r = await runOnEspruino(program, { bin, timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.errors).toEqual([]);
  });

  it("runs in a fresh folder, so the host build's espruino.flash never lands in the project", async () => {
    const bin = fakeInterpreter('pwd; touch espruino.flash');
    const r = await runOnEspruino(program, { bin, timeoutMs: 5000 });
    expect(r.lines[0]).not.toBe(process.cwd());
    expect(fs.existsSync(path.join(r.lines[0], "espruino.flash"))).toBe(false);
  });

  it("says when ESPRUINO_BIN is missing", async () => {
    await expect(runOnEspruino(program, { bin: "" })).rejects.toThrow(/ESPRUINO_BIN/);
  });
});
