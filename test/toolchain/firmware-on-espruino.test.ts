// The real firmware bundle (firmware/main.ts through the gate, minified and mangled as `npm run build`) on the
// real Espruino 2v29 interpreter's host build: it boots, mounts its log, and a second boot recovers it.
// Runs where ESPRUINO_BIN points at the host build; skipped elsewhere (CI has no interpreter).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { INTERPRETER_HANG_MS } from "../espruino-bin.js";
import { buildFirmware } from "../../scripts/gate/index.mjs";
import { cleanOutput, findErrors } from "../../scripts/espruino-run.mjs";

const bin = process.env.ESPRUINO_BIN;
if (!bin) console.log("firmware-on-espruino: skipped, ESPRUINO_BIN is not set (path of an Espruino 2v29 host build)");

describe.skipIf(!bin)("dist/firmware.js on the Espruino host build", () => {
  it("boots twice over the same flash: the second boot finds the first boot's records", async () => {
    const r = (await buildFirmware({ outfile: "dist/firmware.js", write: false })) as { ok: boolean; code: string };
    expect(r.ok).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pencap-espruino-"));
    const file = path.join(dir, "firmware.js");
    // Print memory once the boot has settled, then end the process (the host build exits on Ctrl-D).
    fs.writeFileSync(file, r.code + '\nsetTimeout(function(){print("MEM "+process.memory().usage);},50);\n');
    // One run: until the memory line is printed (the boot has settled), then stopped; same folder, same flash file.
    const run = () =>
      new Promise<string[]>((resolve) => {
        const child = spawn(bin!, [file], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
        let raw = "";
        const stop = setTimeout(() => child.kill("SIGKILL"), INTERPRETER_HANG_MS);
        const take = (d: Buffer) => {
          raw += d.toString("latin1");
          if (/MEM \d+/.test(raw)) child.kill("SIGKILL");
        };
        child.stdout.on("data", take);
        child.stderr.on("data", take);
        child.on("close", () => {
          clearTimeout(stop);
          resolve(cleanOutput(raw));
        });
      });
    const first = await run();
    const second = await run();
    expect(first.some((l) => /MEM \d+/.test(l))).toBe(true);
    expect(findErrors(first)).toEqual([]);
    expect(findErrors(second)).toEqual([]);
    const boot = (lines: string[]) => /log (\d+) records, next seq (\d+)/.exec(lines.find((l) => l.includes("pencap: boot on LINUX")) ?? "");
    const a = boot(first);
    const b = boot(second);
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(Number(b![1])).toBeGreaterThan(Number(a![1])); // the first boot's BOOT record survived
    expect(Number(b![2])).toBeGreaterThan(Number(a![2]));
  });
});
