// A differential test: the same script on the real Espruino 2v29 host build (the path in ESPRUINO_BIN; it is
// never part of the repository) and on the simulator's LINUX board.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ESPRUINO, INTERPRETER_HANG_MS, noEspruino } from "../espruino-bin.js";
import { deviceWith, outputText } from "./helpers.js";

const script = new URL("../fixtures/sim/host-compare.js", import.meta.url).pathname;

function realOutput(): string[] {
  const dir = mkdtempSync(join(tmpdir(), "espruino-"));
  try {
    const out = execFileSync(ESPRUINO!, [script], { cwd: dir, input: "", encoding: "utf8", timeout: INTERPRETER_HANG_MS });
    const lines = out.split("\n").map((l) => l.replace(/\r$/, ""));
    const first = lines.findIndex((l) => l.startsWith("toString "));
    return lines.slice(first).filter((l) => l.trim() !== "" && l.trim() !== ">");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(noEspruino())("simulator vs the real Espruino host build", () => {
  it("gives the same output for timers ids, E, Storage and Flash", () => {
    const real = realOutput();
    const d = deviceWith(readFileSync(script, "utf8"), { board: "LINUX" });
    expect(outputText(d)).toEqual(real);
  });
});
