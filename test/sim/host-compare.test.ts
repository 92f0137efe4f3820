// A differential test: the same script on the real Espruino 2v29 host build (when it is installed at
// /tmp/espruino/src/bin/espruino — it is never part of the repository) and on the simulator's LINUX board.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deviceWith, outputText } from "./helpers.js";

const ESPRUINO = "/tmp/espruino/src/bin/espruino";
const script = new URL("../fixtures/sim/host-compare.js", import.meta.url).pathname;

function realOutput(): string[] {
  const dir = mkdtempSync(join(tmpdir(), "espruino-"));
  try {
    const out = execFileSync("timeout", ["20", ESPRUINO, script], { cwd: dir, input: "", encoding: "utf8" });
    const lines = out.split("\n").map((l) => l.replace(/\r$/, ""));
    const first = lines.findIndex((l) => l.startsWith("toString "));
    return lines.slice(first).filter((l) => l.trim() !== "" && l.trim() !== ">");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!existsSync(ESPRUINO))("simulator vs the real Espruino host build", () => {
  it("gives the same output for timers ids, E, Storage and Flash", () => {
    const real = realOutput();
    const d = deviceWith(readFileSync(script, "utf8"), { board: "LINUX" });
    expect(outputText(d)).toEqual(real);
  });
});
