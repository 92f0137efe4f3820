// Property mangling (scripts/gate/mangle.mjs): the firmware's own names are renamed, names that something
// outside the bundle reads (NRF, JSON output, `any` objects, natives behind an own interface) are kept, and
// the mangled bundle behaves exactly like the unmangled one.
import { describe, expect, it } from "vitest";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { buildFirmware, checkSources, collectMangleNames, pretokenise, RESERVED } from "../../scripts/gate/index.mjs";
import { FIXTURES } from "./helpers";

const entry = path.relative(process.cwd(), path.join(FIXTURES, "mangle/main.ts"));
const OWN = ["celsiusTenths", "sampleTally", "runningTotal", "stepSize", "bumpOnce"];
const KEPT = ["readable", "notify", "value", "looseKey", "shownKey", "radioOnlyMethod", "setServices"];

/** Runs a bundle with a fake NRF and RADIO; returns the console lines and what setServices received. */
function run(code: string): { lines: string[]; services: unknown } {
  const lines: string[] = [];
  let services: unknown;
  vm.runInContext(code, vm.createContext({
    console: { log: (...a: unknown[]) => lines.push(a.join(" ")) },
    NRF: { setServices: (s: unknown) => { services = s; } },
    RADIO: { radioOnlyMethod: (x: number) => x * 10 },
  }));
  return { lines, services };
}

async function build(mangle: boolean) {
  const r = await buildFirmware({ entry, outfile: path.join(os.tmpdir(), `gate-mangle-${mangle}.js`), mangle, write: false });
  expect(r.problems).toEqual([]);
  return r;
}

describe("property mangling", () => {
  it("chooses the own names and leaves the external ones", () => {
    const { problems, program } = checkSources(entry);
    expect(problems).toEqual([]);
    const { mangle } = collectMangleNames(program);
    for (const n of OWN) expect(mangle, n).toContain(n);
    for (const n of KEPT) expect(mangle, n).not.toContain(n);
  });

  it("renames the own names in the bundle and keeps the external ones", async () => {
    const { code, mangled } = await build(true);
    for (const n of OWN) expect(code, n).not.toContain(n);
    for (const n of KEPT) expect(code, n).toContain(n);
    expect(mangled).toEqual(expect.arrayContaining(OWN));
  });

  it("behaves exactly like the unmangled bundle: same output, same object handed to NRF", async () => {
    const plain = run((await build(false)).code!);
    const mangled = run((await build(true)).code!);
    expect(plain.lines).toEqual(['mangle {"looseKey":215} {"shownKey":3} 20 221']);
    expect(mangled.lines).toEqual(plain.lines);
    expect(JSON.stringify(mangled.services)).toBe(JSON.stringify(plain.services));
    expect(JSON.stringify(plain.services)).toBe('{"6159":{"10777":{"value":[3],"readable":true,"notify":true}}}');
  });

  it("is off for --readable and --no-mangle builds", async () => {
    const { code, mangled } = await build(false);
    for (const n of OWN) expect(code, n).toContain(n);
    expect(mangled).toEqual([]);
    const readable = await buildFirmware({ entry, outfile: path.join(os.tmpdir(), "gate-mangle-r.js"), readable: true, write: false });
    for (const n of OWN) expect(readable.code, n).toContain(n);
  });

  it("on the firmware: never a reserved or declaration-file name, and the bulk of the own names", () => {
    const { program } = checkSources("firmware/main.ts");
    const { mangle, external, candidates } = collectMangleNames(program);
    for (const n of [...RESERVED, ...external]) expect(mangle, n).not.toContain(n);
    for (const n of ["write", "read", "erase", "setServices", "updateServices", "log", "require"]) expect(mangle, n).not.toContain(n);
    // Interpreter API described by an ambient declaration inside a firmware file (declare const E: {...}).
    for (const n of ["getAddressOf", "CRC32", "enableWatchdog", "kickWatchdog", "getSecurityStatus"]) expect(mangle, n).not.toContain(n);
    expect(mangle.length).toBeGreaterThan(candidates.length / 2); // a silent no-op would bring back 44 kB
  });

  it("measures the pretokenised size with the Espruino CLI's own plugin", () => {
    const tok = pretokenise('function f(){return this.a}var s="abc";');
    expect(tok).not.toBeNull();
    expect(tok!.length).toBeLessThan(40);
    expect(tok).toContain("\u00d1\u0003abc"); // LEX_RAW_STRING8, length 3
  });
});
