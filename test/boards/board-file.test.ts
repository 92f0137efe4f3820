// The cap's interpreter build without Espruino's sources (CI cannot fetch them): the board file itself
// (boards/PENCAP.py: pins, Storage area, libraries, console), the figures recorded from real builds
// (boards/measured.json) against the arithmetic of jshFlashGetFree and the log's capacity rule, the simulator's
// profiles against both, the build script's checks, and the figures the docs quote.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import measured from "../../boards/measured.json";
import { boardProfile as simBoard, DEFAULT_BOARD, DEFAULT_FREE_PAGES } from "../../sim/boards";
import { boardProfile as fwBoard } from "../../firmware/boards/index";
import { recordsKept, MIN_FREE_PAGES } from "../../scripts/flash/check-board.mjs";
import { CAP_BUILD_STATICS, CAP_BUILD_GLOBALS } from "../../scripts/gate/rules.mjs";

const ROOT = join(__dirname, "..", "..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const py = read("boards/PENCAP.py");

/** The Python source without comments (a '#' outside quotes starts one). */
const code = py
  .split("\n")
  .map((l) => {
    let q = "";
    for (let i = 0; i < l.length; i++) {
      const c = l[i];
      if (q) { if (c === "\\") i++; else if (c === q) q = ""; } else if (c === "'" || c === '"') q = c; else if (c === "#") return l.slice(0, i);
    }
    return l;
  })
  .join("\n");

function list(key: string): string[] {
  const m = new RegExp(`'${key}'\\s*:\\s*\\[([^\\]]*)\\]`).exec(code);
  if (!m) throw new Error(`no '${key}' list in boards/PENCAP.py`);
  return [...m[1].matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((x) => x[1]);
}
function value(key: string): string {
  const m = new RegExp(`'${key}'\\s*:\\s*([^,\\n]+),`).exec(code);
  if (!m) throw new Error(`no '${key}' in boards/PENCAP.py`);
  return m[1].trim();
}
/** Integer arithmetic of the board file ("((118 - 10) * 4096)"): digits, spaces, + - * and parentheses only. */
function arith(expr: string): number {
  if (!/^[\d\s+\-*()]+$/.test(expr)) throw new Error(`not plain arithmetic: ${expr}`);
  return Function(`"use strict"; return (${expr});`)() as number;
}
function device(name: string): string {
  const m = new RegExp(`'${name}'\\s*:\\s*\\{\\s*'pin'\\s*:\\s*'(D\\d+)'`).exec(code);
  if (!m) throw new Error(`no device ${name}`);
  return m[1];
}
const hex = (s: string) => parseInt(s, 16);
const PAGE = 4096;
/** Records always kept on a board with `free` pages: (min(F, 34) - 4) x 254 from 5 pages on, else none (a RAM
 *  log); the rule of openLogRegion, as flash.sh's check has it (test/toolchain/flash-check.test.ts keeps that
 *  equal to the firmware's constants; docs/log-format.md "Decision"). */
const kept = (free: number) => (free >= MIN_FREE_PAGES ? recordsKept(free) : 0);
const thousands = (n: number) => n.toLocaleString("en-US");

describe("boards/PENCAP.py", () => {
  it("cites the MDBT42Q board file it is derived from, with its licence", () => {
    expect(py).toMatch(/boards\/MDBT42Q\.py of Espruino/);
    expect(py).toMatch(/RELEASE_2V29/);
    expect(py).toMatch(/Mozilla Public License 2\.0/);
  });

  it("has the cap's pins: the same as the cap profiles of the simulator and the firmware", () => {
    const sim = simBoard("PENCAP").pins;
    expect({ LED1: device("LED1"), LED2: device("LED2") }).toEqual(sim.leds);
    expect(device("BTN1")).toBe(sim.button);
    expect(simBoard("PENCAP").pins).toEqual(simBoard("MDBT42Q").pins);
    const fw = fwBoard("PENCAP");
    expect({ ...fw, name: "MDBT42Q" }).toEqual(fwBoard("MDBT42Q"));
    expect(fw.hallPin).toBe(sim.hall);
    expect(fw.buzzer).toBe(sim.buzzer);
    expect(sim.labels[fw.ledRed]).toBe("LED2"); // the red LED shows as LED2 = D2 in the simulator
    expect(sim.labels[fw.ledGreen]).toBe("LED3");
    // every cap pin is a GPIO of the module (generate_pins(0,31)), none is the serial console's, none shared
    const m = /generate_pins\((\d+),\s*(\d+)\)/.exec(code)!;
    const used = [fw.hallPin!, fw.ledRed, fw.ledGreen, fw.buzzer];
    for (const p of used) expect(Number(p.slice(1))).toBeGreaterThanOrEqual(Number(m[1])), expect(Number(p.slice(1))).toBeLessThanOrEqual(Number(m[2]));
    const consolePins = [value("default_console_tx"), value("default_console_rx")].map((s) => s.replace(/['"]/g, ""));
    expect(used.filter((p) => consolePins.includes(p))).toEqual([]);
    expect(new Set(used).size).toBe(used.length);
  });

  it("keeps the MDBT42Q's Storage area, the one the simulator and the recorded builds have", () => {
    const address = arith(value("address"));
    expect(address).toBe(0x6c000);
    expect(Number(value("page_size"))).toBe(PAGE);
    expect(Number(value("pages"))).toBe(10);
    const sim = simBoard("PENCAP");
    expect([sim.storageAddress, sim.storagePages, sim.pageSize]).toEqual([address, 10, PAGE]);
    for (const b of Object.values(measured.boards)) expect([hex(b.storageAddress), b.storagePages]).toEqual([address, 10]);
  });

  it("builds in only the BLUETOOTH library, no debugger, no tab completion, and keeps the flash write guard", () => {
    expect(list("libraries")).toEqual(["BLUETOOTH"]);
    const mk = list("makefile");
    expect(mk).toContain("USE_DEBUGGER=0");
    expect(mk).toContain("USE_TAB_COMPLETE=0");
    // jshFlashWriteProtect (targets/nrf5x/jshardware.c) guards the SoftDevice and bootloader only #if MDBT42Q
    expect(mk).toContain("DEFINES+=-DMDBT42Q");
    // the same SoftDevice/bootloader accept it: the DFU settings and key of MDBT42Q.py
    expect(mk).toContain("DFU_SETTINGS=--application-version 0xff --hw-version 52 --sd-req 0x8C,0x91");
    expect(mk).toContain("DFU_PRIVATE_KEY=targets/nrf5x_dfu/dfu_private_key.pem");
    expect(Number(value("variables"))).toBe(simBoard("PENCAP").jsVars);
  });

  it("the firmware needs nothing the build leaves out", () => {
    // Flash and Storage are core modules (src/jswrap_flash.c, src/jswrap_storage.c), in every build
    const files = (dir: string): string[] =>
      readdirSync(join(ROOT, dir)).flatMap((f) => (statSync(join(ROOT, dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith(".ts") && !f.endsWith(".d.ts") ? [join(dir, f)] : []));
    const src = files("firmware").map(read).join("\n");
    const modules = new Set([...src.matchAll(/require\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]));
    for (const m of modules) expect(["Flash", "Storage"]).toContain(m);
    expect(modules.size).toBeGreaterThan(0);
    // what the build left out, as measured from the two builds' gen/jswrapper.c
    const out = measured.boards.PENCAP.leftOutVsMDBT42Q;
    for (const m of out.modules) expect(modules.has(m), `require("${m}")`).toBe(false);
    for (const g of out.globals) expect(src, g).not.toMatch(new RegExp(`(new\\s+${g}\\b|\\b${g}\\.)`));
    for (const m of out.methods) expect(src.includes(m), m).toBe(false);
  });

  it("trims with defines that take nothing the firmware uses away; the gate refuses what they change", () => {
    const mk = list("makefile");
    const trim = measured.boards.PENCAP.trim;
    for (const d of trim.added) expect(mk).toContain(`DEFINES+=-D${d}`);
    // each added define has its reason next to it in the board file
    for (const d of trim.added) expect(py).toMatch(new RegExp(`-D${d}',\\s*#\\s*\\S`));
    // SAVE_ON_FLASH_MATH: the trigonometry; ESPR_NO_PASSWORD: E.setPassword/lockConsole; ESPR_NO_VARIMAGE: save()
    expect([...CAP_BUILD_STATICS.get("Math")!.keys()].sort()).toEqual(["acos", "asin", "atan", "atan2", "cos", "sin", "tan"]);
    expect([...CAP_BUILD_STATICS.get("E")!.keys()].sort()).toEqual(["FFT", "lockConsole", "setPassword"]);
    expect([...CAP_BUILD_GLOBALS.keys()]).toEqual(["save"]);
    const files = (dir: string): string[] =>
      readdirSync(join(ROOT, dir)).flatMap((f) => (statSync(join(ROOT, dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith(".ts") && !f.endsWith(".d.ts") ? [join(dir, f)] : []));
    const src = files("firmware").map(read).join("\n");
    expect(src).not.toMatch(/\bMath\.(sin|cos|tan|asin|acos|atan2?)\b|\bE\.(FFT|setPassword|lockConsole)\b|(^|[^.\w])save\(\)/m); // save() takes no arguments; an own save(x) method is not it
    // and the build did not lose a built-in: its jswrap_ functions are the 19-page build's
    expect(trim.jswrapDiff).toMatch(/^none: .*same 508 jswrap_ functions/);
  });

  it("has no build-time switch for the BLE console; the firmware turns it off with NRF.setServices(..., {uart:false})", () => {
    // services_init() (targets/nrf5x/bluetooth.c, 2v29) adds the Nordic UART unless BLE_UART was set false at run time
    expect(py).toMatch(/cannot be switched off at build time in 2v29/);
    expect(read("firmware/hw/ble.ts")).toMatch(/NRF\.setServices\(\s*\w+\s*,\s*\{\s*uart:\s*false\s*\}\s*\)/);
  });
});

describe("boards/measured.json", () => {
  it("states where the figures come from", () => {
    expect(measured.espruino).toEqual({ tag: "RELEASE_2V29", commit: "c5ff787b1" });
    expect(measured.compiler).toMatch(/arm-none-eabi-gcc .*12\.2\.1/);
    expect(measured.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(measured.boards).sort()).toEqual(["MDBT42Q", "PENCAP", "PUCKJS"]);
  });

  it.each(Object.entries(measured.boards))("%s: free pages follow from the code end as jshFlashGetFree computes them", (_name, b) => {
    const storage = hex(b.storageAddress);
    const codeEnd = hex(b.codeEnd);
    const etext = hex(b.etext);
    expect(etext).toBeLessThanOrEqual(codeEnd); // the .data image follows _etext
    if (codeEnd > storage) {
      expect(b.overlapBytes).toBe(codeEnd - storage);
      expect(b.freePages).toBe(0);
      return;
    }
    expect(b.overlapBytes).toBe(0);
    expect(b.freeBytesBeforeStorage).toBe(storage - codeEnd);
    const freeStart = (Math.floor(etext / PAGE) + 1) * PAGE; // the page after the one holding _etext
    expect(hex(b.freeStart!)).toBe(freeStart);
    expect(b.freePages).toBe((storage - freeStart) / PAGE);
    // the initialised-data image must not lie in what getFree() calls free: the log would erase it
    expect(codeEnd).toBeLessThanOrEqual(freeStart);
  });

  it("the cap's build leaves at least 20 free pages (2 state + 18 log): >= 4,000 records always kept", () => {
    const b = measured.boards.PENCAP;
    expect(b.freePages).toBeGreaterThanOrEqual(20);
    expect(kept(b.freePages)).toBeGreaterThanOrEqual(4000);
    expect(b.variables).toBe(2950);
  });

  it("the simulator's profiles are the measured ones; scenarios run on the cap's build", () => {
    for (const [name, b] of Object.entries(measured.boards)) {
      const p = simBoard(name as "PENCAP");
      expect([p.freePages, DEFAULT_FREE_PAGES[name as "PENCAP"], p.freeAddress]).toEqual([b.freePages, b.freePages, hex(b.storageAddress) - b.freePages * PAGE]);
      expect(p.jsVars).toBe(b.variables);
    }
    expect(DEFAULT_BOARD).toBe("PENCAP");
    const sc = JSON.parse(read("sim/scenarios/default.json"));
    expect(sc.board).toBe("PENCAP");
  });
});

describe("the docs quote the measured figures", () => {
  const P = measured.boards.PENCAP, M = measured.boards.MDBT42Q, K = measured.boards.PUCKJS;
  const must: Record<string, string[]> = {
    "docs/log-format.md": [P.codeEnd, M.codeEnd, K.codeEnd, `${P.freePages} pages`, thousands(kept(P.freePages)), thousands(M.overlapBytes), `${K.freeBytesBeforeStorage} bytes`, "scripts/espruino/build-cap.sh", "boards/measured.json"],
    "docs/benchmarks.md": [P.codeEnd, `${P.freePages} pages`, thousands(kept(P.freePages)), thousands(M.overlapBytes), "boards/measured.json"],
    "README.md": ["boards/PENCAP.py", "scripts/espruino/build-cap.sh", `${P.freePages} pages`, thousands(kept(P.freePages)), "DFUTARG"],
  };
  it.each(Object.entries(must))("%s", (doc, phrases) => {
    const text = read(doc);
    for (const p of phrases) expect(text, `${doc} should quote "${p}"`).toContain(p);
  });
});

describe("scripts/espruino/build-cap.sh", () => {
  const script = join(ROOT, "scripts/espruino/build-cap.sh");
  it("explains its use without arguments (exit 2)", () => {
    const r = spawnSync(script, [], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("CHECKOUT_PATH [BOARD]");
  });
  it("refuses a folder that is not an Espruino 2v29 checkout (exit 3, or 3 without the arm toolchain)", () => {
    const r = spawnSync(script, [join(ROOT, "docs")], { encoding: "utf8" });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/2v29|arm-none-eabi-gcc/);
  });
});
