// The boot code's top-level names are locals of a function, seen from outside through accessors of the global
// object (sim/bundle-scope.ts): the same bindings as Espruino's globals, the same steps for the hang guard.
import { describe, expect, it } from "vitest";
import { bootScope } from "../../sim/bundle-scope.js";
import { deviceWith, outputText } from "./helpers.js";

describe("boot code scope (sim/bundle-scope.ts)", () => {
  it("top-level vars and functions are globals to code outside, one binding with the code's own", () => {
    const d = deviceWith('"use strict"; var n = 1; let m = 2; function get() { return n + m; } setTimeout(function () { print(get()); }, 10);');
    expect(d.evaluate("n + m")).toBe(3);
    d.evaluate("n = 10; global.m = 20");
    d.clock.advance(1);
    expect(outputText(d)).toContain("30");
    expect(d.evaluate("typeof get + ' ' + Object.keys(global).indexOf('get') + ' ' + this.n")).toMatch(/^function \d+ 10$/);
    expect(d.evaluate("get()")).toBe(30);
  });

  it("globals the code uses are aliased: one binding with the global object's, both ways", () => {
    const d = deviceWith('"use strict"; var seen = []; setInterval(function () { seen.push(Math.floor(2.5) + " " + typeof print); }, 1000);');
    expect(bootScope("var a = Math.max(b.c, d); ({ e: 1, [f]: g }); h: for (;;) break h;")?.free).toEqual(["Math", "b", "d", "f", "g"]);
    d.clock.advance(1);
    d.evaluate("Math = { floor: function () { return 7; } }; global.print = 1");
    d.clock.advance(1);
    expect(d.evaluate("seen.join()")).toBe("2 function,7 number");
    // A builtin the strict language removed stays missing (no alias of a name that is not a global).
    const m = deviceWith('var r = ""; setTimeout(function () { try { new Map(); r = "has Map"; } catch (e) { r = e.name; } }, 10);', { strictLanguage: true });
    m.clock.advance(1);
    expect(m.evaluate("r")).toBe("ReferenceError");
    expect(m.evaluate("Object.getOwnPropertyDescriptor(globalThis, 'Math').enumerable")).toBe(false);
  });

  it("code whose meaning depends on the top level runs as a plain script", () => {
    expect(bootScope("var a = 1; function f() { return arguments.length }")).not.toBeNull();
    expect(bootScope("var a = arguments;")).toBeNull();
    expect(bootScope("var a = () => arguments;")).toBeNull();
    expect(bootScope("eval('var z = 1')")).toBeNull();
    expect(bootScope("if (true) { function f() {} }")).toBeNull();
    expect(bootScope("return 1")).toBeNull();
    expect(bootScope("var __simX = 1")).toBeNull();
    expect(bootScope('"use strict"; for (var i = 0; i < 2; i++) {} { let j; } const [a, { b }] = [1, { b: 2 }];')?.names.sort()).toEqual(["a", "b", "i"]);
    // A declaration of an existing global reuses it on Espruino: not wrapped, the global keeps its value.
    const d = deviceWith("var getTime; var x = typeof getTime;");
    expect(d.evaluate("x")).toBe("function");
  });

  it("the hang guard counts the same steps with and without the wrapper", () => {
    const body = "function f(k) { var s = 0; for (var i = 0; i < k; i++) s += i; return s; } setTimeout(function () { f(50); }, 10);";
    const wrapped = deviceWith(body, { cpuMsPerUnit: 0 });
    const plain = deviceWith(body + " var arguments_ = eval;", { cpuMsPerUnit: 0 }); // eval: a plain script
    wrapped.clock.advance(1);
    plain.clock.advance(1);
    expect(wrapped.runtime!.lastCallback.steps).toBe(52);
    expect(plain.runtime!.lastCallback.steps).toBe(52);
  });
});
