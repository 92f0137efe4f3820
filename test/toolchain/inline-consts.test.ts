// Module-level number/boolean constants are inlined at their uses across modules (scripts/gate/inline-consts.mjs),
// by symbol: a parameter of the same name is left alone, shorthand properties keep their key, and the bundle
// keeps no top-level binding for them (RAM on Espruino). Short strings are inlined, long ones stay bound.
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { buildFirmware } from "../../scripts/gate/index.mjs";

async function build(mangle: boolean): Promise<string> {
  const r = (await buildFirmware({ entry: "test/fixtures/gate/inline/main.ts", outfile: "dist/test-inline.js", write: false, mangle })) as { ok: boolean; code: string; problems: unknown[] };
  expect(r.problems).toEqual([]);
  return r.code;
}

function run(code: string): string {
  let out = "";
  vm.runInNewContext(code, { print: (s: string) => (out += s), JSON, global: {} });
  return out;
}

describe("constant inlining", () => {
  it("gives the same output as the plain build and leaves no binding for the inlined constants", async () => {
    const inlined = await build(true);
    const plain = await build(false);
    expect(run(inlined)).toBe("[600,-3,true,\"kept\",7,2,600,-3,13,43]");
    expect(run(inlined)).toBe(run(plain));
    expect(inlined).not.toMatch(/=600\b/); // no `X=600` binding left
    expect(inlined).toMatch(/"kept"/);
    expect(inlined.match(/a string longer than twenty-four characters/g)?.length).toBe(1); // long: kept bound once
  });
});
