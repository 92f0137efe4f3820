// The bundle check alone: the source-map decoder against known values, and each forbidden node in plain JS.
import { describe, expect, it } from "vitest";
import { checkBundle, decodeMappings } from "../../scripts/gate/bundle-check.mjs";

describe("decodeMappings (Base64 VLQ)", () => {
  it("decodes known segments", () => {
    // "AAAA" = [0,0,0,0]; "CAAC" = +1 col, +1 src col; ";" next line; "AACA" = line +1; "gBAAgB" = +16 col / +16 src col
    expect(decodeMappings("AAAA,CAAC;AACA,gBAAgB")).toEqual([
      [[0, 0, 0, 0], [1, 0, 0, 1]],
      [[0, 0, 1, 1], [16, 0, 1, 17]],
    ]);
  });
  it("decodes negative deltas and skips one-field segments", () => {
    // "K" = +5 generated column only; "AADD" = src line -1, src col -1 ("D" = -1)
    expect(decodeMappings("AAEE,K,AADD")).toEqual([[[0, 0, 2, 2], [5, 0, 1, 1]]]);
  });
});

describe("checkBundle refuses what Espruino cannot run", () => {
  const cases: [string, string][] = [
    ["function f(a, b = 1) { return a + b; }", "default-parameter"],
    ["function f(...r) { return r; }", "rest-parameter"],
    ["var a = [1]; var b = [0, ...a];", "spread"],
    ["var o = { a: 1 }; var { a } = o;", "destructuring"],
    ["var k = 'x'; var o = { [k]: 1 };", "computed-key"],
    ["var k = 'x'; class A { [k]() {} }", "computed-key"],
    ["a: for (;;) { break a; }", "labelled-statement"],
    ["function* g() { yield 1; }", "generator"],
    ["async function f() {}", "async"],
    ["var o = null; var v = o?.x;", "optional-chain"],
    ["var v = 2 ** 3;", "exponent"],
    ["var v; v ??= 1;", "assignment-operator"],
    ["class A { #p = 1; }", "private-field"],
    ["class A { static { } }", "static-block"],
    ["class E extends Error {}", "extends-error"],
    ["var m = new Map();", "missing-builtin"],
    ["var s = Symbol('x');", "missing-builtin"],
    ["var v = Math.trunc(1.5);", "missing-builtin"],
    ["var v = Number['isInteger'](1);", "missing-builtin"],
    ["var f = Array.prototype.slice;", "prototype-method"],
    ["var v = 10n;", "bigint"],
    ["function t(s) { return s; } var v = t`a`;", "tagged-template"],
    ["var r = /a.b/s;", "regexp-flag"],
    ["function F() { return new.target; }", "new-target"],
    ["var a = Math.atan2(1, 2);", "cap-build"],
    ["E.setPassword(\"x\");", "cap-build"],
    ["save();", "cap-build"],
  ];
  it.each(cases)("%s -> %s", (code, rule) => {
    const problems = checkBundle(code, { file: "bundle.js" });
    expect(problems.map((p) => p.rule)).toContain(rule);
    expect(problems[0].file).toBe("bundle.js");
    expect(problems[0].line).toBe(1);
  });

  it.each([
    "var Map = function () {}; var m = new Map();", // a declared Map is not the missing built-in
    "var o = { Map: 1, Symbol: 2 }; var v = o.Map + o.Symbol;", // property names are not references
    "var o = { save: function () {}, sin: 1 }; o.save(); var v = o.sin;", // own save()/sin are not the cap build's
    "var v = Math.pow(2, 3) + Math.floor(1.5); var a = [].slice.call([1]);",
    "var o = { a: 1 }; var c = Object.assign({}, o); var u = o == null ? void 0 : o.a; var n = u ?? 2;",
    "Array.prototype.myHelper = function () {};", // assigning to a prototype is fine
    "class A { constructor() { this.x = 1; } get y() { return 1; } static z() {} } class B extends A { constructor() { super(); } }",
  ])("accepts %s", (code) => {
    expect(checkBundle(code)).toEqual([]);
  });

  it("maps a refused node back to the source through the source map", () => {
    // generated line 1 col 0 -> src/a.ts line 3 col 2; generated col 4 -> src/a.ts line 7 col 0
    const map = { version: 3, sources: ["src/a.ts"], mappings: "AAEE,IAIF" };
    const problems = checkBundle("x;  a: for (;;) { break a; }", { file: "out.js", sourceMap: map, mapDir: process.cwd() });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "src/a.ts", line: 7, column: 1, rule: "labelled-statement" });
    expect(problems[0].message).toContain("out.js:1:5");
  });

  it("reports a bundle that does not parse", () => {
    const [p] = checkBundle("var = ;", { file: "b.js" });
    expect(p.rule).toBe("parse");
  });
});
