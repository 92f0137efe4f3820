// Runs a bundle on the Espruino interpreter's host build ($ESPRUINO_BIN) and judges its output.
// Usage: node scripts/espruino-run.mjs [file=dist/firmware.js] [--timeout SECONDS=5] [--quiet]
// Exit 0: ran (to its end, or still running at the timeout, as firmware with timers does) with no error
// in its output; 1: "Uncaught", "SyntaxError", "ReferenceError" or "Error" in the output, or the interpreter
// failed; 2: usage (no $ESPRUINO_BIN, no file). Runs in a fresh temporary folder, so the host build's
// flash file (espruino.flash) starts empty and never lands in the project.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ERROR_MARKERS = /Uncaught|SyntaxError|ReferenceError|Error/;

/** Removes terminal escapes and the interpreter's start-up banner; returns the program's output lines. */
export function cleanOutput(raw) {
  const text = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
  const lines = text.split("\n");
  // The banner ends with the "http://espruino.com/Donate" line; the prompt is a lone ">".
  const donate = lines.findIndex((l) => l.includes("espruino.com/Donate"));
  return lines.slice(donate >= 0 ? donate + 1 : 0).map((l) => l.replace(/^>+/, "")).filter((l) => l.trim() !== "");
}

/** The lines of the output that mean the program failed on Espruino. */
export function findErrors(lines) {
  return lines.filter((l) => ERROR_MARKERS.test(l));
}

/**
 * Runs `file` on the interpreter at `bin`.
 * @returns {Promise<{ lines: string[], errors: string[], timedOut: boolean, code: number | null }>}
 */
export function runOnEspruino(file, { bin = process.env.ESPRUINO_BIN, timeoutMs = 5000 } = {}) {
  if (!bin) return Promise.reject(new Error("ESPRUINO_BIN is not set (path of the Espruino host build)"));
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) return Promise.reject(new Error(`${file} not found (run npm run build first)`));
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "espruino-run-"));
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [abs], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let raw = "";
    let timedOut = false;
    child.stdout.on("data", (d) => (raw += d));
    child.stderr.on("data", (d) => (raw += d));
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, timeoutMs);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code) => {
      clearTimeout(timer);
      fs.rmSync(cwd, { recursive: true, force: true });
      const lines = cleanOutput(raw);
      const errors = findErrors(lines);
      if (!timedOut && code !== 0 && errors.length === 0) errors.push(`interpreter exited with code ${code}`);
      resolve({ lines, errors, timedOut, code });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const ti = args.indexOf("--timeout");
  const timeoutMs = ti >= 0 ? Number(args[ti + 1]) * 1000 : 5000;
  const quiet = args.includes("--quiet");
  const file = args.find((a, i) => !a.startsWith("--") && (ti < 0 || i !== ti + 1)) ?? "dist/firmware.js";
  if (!process.env.ESPRUINO_BIN) {
    console.error("espruino-run: set ESPRUINO_BIN to the Espruino host build (see README, \"Checking on the real interpreter\")");
    process.exit(2);
  }
  if (!fs.existsSync(file)) {
    console.error(`espruino-run: ${file} not found; run npm run build first`);
    process.exit(2);
  }
  try {
    const r = await runOnEspruino(file, { timeoutMs });
    if (!quiet) for (const l of r.lines) console.log(l);
    const how = r.timedOut ? `still running after ${timeoutMs / 1000} s, stopped` : "ended by itself";
    if (r.errors.length) {
      console.error(`espruino-run: FAILED on ${process.env.ESPRUINO_BIN} (${how}):`);
      for (const e of r.errors) console.error("  " + e);
      process.exit(1);
    }
    console.log(`espruino-run: ${file} ran without error (${how})`);
  } catch (e) {
    console.error(`espruino-run: ${e.message}`);
    process.exit(1);
  }
}
