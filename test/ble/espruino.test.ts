// The pure BLE modules run on the Espruino interpreter: the bundled driver prints the same packets there
// as in Node. The interpreter run is skipped where its host build is not present.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";
import { ESPRUINO, INTERPRETER_HANG_MS, noEspruino } from "../espruino-bin.js";


function bundle(): string {
  const dir = mkdtempSync(join(tmpdir(), "ble-driver-"));
  const outfile = join(dir, "driver.js");
  esbuild.buildSync({ entryPoints: ["test/ble/espruino/driver.ts"], bundle: true, format: "iife", target: "es2020", platform: "neutral", outfile, logLevel: "error" });
  return outfile;
}
const packets = (text: string) => text.split(/\r?\n/).filter((l) => /^(N|I|>|att|status|time|config|adv|count) /.test(l));

describe("firmware/ble on the interpreter", () => {
  const file = bundle();
  const lines: string[] = [];
  runInNewContext(readFileSync(file, "utf8"), { console: { log: (s: string) => lines.push(s) }, Uint8Array, parseInt, JSON, Math });
  it("the driver's exchange in Node", () => {
    const p = packets(lines.join("\n"));
    expect(p).toContain("I 2 06 00 01 01");
    expect(p).toContain("I 2 05 00 05 00 00 00");
    expect(p).toContain("att 5");
    expect(p[p.length - 1]).toBe("count 9");
  });
  it.skipIf(noEspruino())("prints the same packets on Espruino 2v29", () => {
    const out = execFileSync(ESPRUINO!, [file], { cwd: mkdtempSync(join(tmpdir(), "ble-esp-")), input: "", timeout: INTERPRETER_HANG_MS }).toString();
    expect(packets(out)).toEqual(packets(lines.join("\n")));
    expect(out).not.toMatch(/Uncaught|Error/);
  });
});

describe("firmware/hw/ble.ts on the interpreter (stub NRF)", () => {
  it.skipIf(noEspruino())("startBle wires services, security, advertising and a RACP write", () => {
    const dir = mkdtempSync(join(tmpdir(), "ble-hw-"));
    const outfile = join(dir, "hw.js");
    esbuild.buildSync({ entryPoints: ["test/ble/espruino/hw-driver.ts"], bundle: true, format: "iife", target: "es2020", platform: "neutral", outfile, logLevel: "error" });
    const out = execFileSync(ESPRUINO!, [outfile], { cwd: dir, input: "", timeout: INTERPRETER_HANG_MS }).toString().split(/\r?\n/);
    expect(out).toContain("setServices uart=false");
    expect(out).toContain("security pair=true mitm=true bond=true");
    expect(out).toContain("chars 5 racp desc=Record Access Control Point");
    expect(out).toContain("after write: N 19 1,N 0001 48,N 0001 48"); // battery, then 2 record packets (perTick 2)
    expect(out).toContain("adv 21 bytes @211.25ms"); // pairing window open at start: flags + service UUID, fast
    expect(out).toContain("tx 0 dBm");
    expect(out).toContain("conn interval 30-45 ms"); // the plan's, as Apple's guidelines want it (max >= min + 15)
    expect(out.filter((l) => l.startsWith("adv ") && !l.startsWith("adv 21 bytes @211.25ms"))).toEqual([]); // a record changes nothing
    expect(out).toContain("done 600"); // capLeftOffS of the default config
    expect(out.join("\n")).not.toMatch(/Uncaught/);
  });
});

describe("firmware/hw/ble.ts timers on the interpreter (stub NRF, real time, shortened plan)", () => {
  it.skipIf(noEspruino())("paces a transfer, drops the idle link, advertises the same after a dose, then leaves no timer", () => {
    const dir = mkdtempSync(join(tmpdir(), "ble-timers-"));
    const outfile = join(dir, "timers.js");
    esbuild.buildSync({ entryPoints: ["test/ble/espruino/hw-timers-driver.ts"], bundle: true, format: "iife", target: "es2020", platform: "neutral", outfile, logLevel: "error" });
    // The interpreter exits when stdin is closed and no timer is left: it returning at all is the check.
    const out = execFileSync(ESPRUINO!, [outfile], { cwd: dir, input: "", timeout: INTERPRETER_HANG_MS }).toString().replace(/\x1b\[J|>/g, "").split(/\r?\n/).map((l) => l.trim());
    // Order of events, and lower bounds only (timers never fire early; a loaded machine may make them late).
    const ev = out.filter((l) => /^(indication|disconnect|adv)/.test(l));
    const t = (l: string) => Number(/at ([\d.]+)/.exec(l)![1]);
    expect(ev.map((l) => l.replace(/ at [\d.]+/, ""))).toEqual([
      "adv @1022.5ms", "adv @1022.5ms", "indication", "disconnect after 5 notifications", "adv @1022.5ms",
    ]);
    // 10 records in 4 notifications of up to 3 (the stub refuses nothing), 4 packets per tick: the response
    // waits for the first 50 ms tick (tickMs: the stub reports no connection interval)
    expect(t(ev[2])).toBeGreaterThanOrEqual(0.04);
    expect(t(ev[3]) - t(ev[2])).toBeGreaterThanOrEqual(0.9); // idleDisconnectSeconds 1 after the transfer
    expect(out.join("\n")).not.toMatch(/Uncaught/);
  });
});
