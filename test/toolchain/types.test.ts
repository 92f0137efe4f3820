// firmware/tsconfig.json types firmware against what Espruino 2v29 provides: the API the firmware needs
// type-checks, and the language sheet's "missing" column does not.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { ROOT, FIXTURES } from "./helpers";

function diagnostics(file: string): { line: number; text: string }[] {
  const cfg = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "firmware/tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); },
  })!;
  const program = ts.createProgram([file, ...cfg.fileNames.filter((f) => f.endsWith(".d.ts"))], cfg.options);
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    line: d.file ? d.file.getLineAndCharacterOfPosition(d.start!).line + 1 : 0,
    text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  }));
}

describe("firmware type environment", () => {
  it("accepts the Espruino API the firmware uses (Flash, Storage, E, NRF, Puck, process, setWatch, ...)", () => {
    expect(diagnostics(path.join(FIXTURES, "types/api-ok.ts"))).toEqual([]);
  });

  it("refuses each missing built-in and unknown module names, exactly on the marked lines", () => {
    const file = path.join(FIXTURES, "types/refused.ts");
    const marked = fs.readFileSync(file, "utf8").split("\n").flatMap((l, i) => (l.includes("// type-error") ? [i + 1] : []));
    const lines = [...new Set(diagnostics(file).map((d) => d.line))].sort((a, b) => a - b);
    expect(marked.length).toBeGreaterThan(10);
    expect(lines).toEqual(marked);
  });

  it("does not load a lib that declares Array.from, Map or Symbol", () => {
    const cfg = JSON.parse(fs.readFileSync(path.join(ROOT, "firmware/tsconfig.json"), "utf8").replace(/^\s*\/\/.*$/gm, ""));
    const libs: string[] = cfg.compilerOptions.lib.map((l: string) => l.toLowerCase());
    for (const l of libs) expect(l.startsWith("es5") || /^es201[5-7]\.(promise|array\.include|object|string)$/.test(l), l).toBe(true);
  });
});
