// bench/memory-map.ts on a hand-written E.dumpVariables() dump: a global function f(a) with its code in flash,
// a closure g() with a scope link, an object with one property holding a string, and a number.
import { describe, expect, it } from "vitest";
import { memoryMap, parseDump } from "../../bench/memory-map";

const DUMP = [
  ">E.dumpVariables()",
  "ref,size,flags,name,links...",
  "1,1,1,Object,2,5,20,",
  '2,1,25,"f",3,',
  "3,1,7,,4,6,",
  '4,1,28,"\\xFFcod",10,',
  '6,1,25,"\\xFFa",',
  '5,1,25,"g",7,',
  "7,1,9,,8,9,",
  '8,1,28,"\\xFFcod",11,',
  '9,1,28,"\\xFFsco",30,',
  '10,1,41,String "return a+1",',
  '11,1,41,String "x",',
  '20,2,28,"config",21,',
  "21,1,5,Object,22,",
  '22,1,26,"pk",23,',
  '23,3,38,String "a, b \\"quoted\\", c",',
  "30,1,7,,31,",
  '31,1,25,"x",32,',
  "32,1,10,Number 5,",
  "",
].join("\n");

describe("bench/memory-map.ts", () => {
  it("parses names with commas and escaped quotes, and their links", () => {
    const v = parseDump(DUMP);
    expect(v).toHaveLength(18);
    expect(v.find((x) => x.ref === 23)).toEqual({ ref: 23, size: 3, type: 38, label: 'String "a, b \\"quoted\\", c"', links: [] });
    expect(v.find((x) => x.ref === 9)).toMatchObject({ label: '"\\xFFsco"', links: [30] });
    expect(v.find((x) => x.ref === 1)!.links).toEqual([2, 5, 20]);
  });

  it("counts each function with its code, scope and parameter names, and the rest by kind", () => {
    const m = memoryMap(parseDump(DUMP));
    // f and g; 30 is a kept scope (2v29 makes it a function-typed variable with no code slot) with local "x"
    expect(m.functions).toBe(2);
    expect(m.parameters).toBe(1);
    expect(m.functionVars).toBe(8); // f: 3,4,6,10; g: 7,8,9,11
    expect(m.scopes).toBe(1);
    expect(m.scopeVars).toBe(2); // 30, 31
    expect(m.otherNames).toBe(2 + 1 + 1 + 1); // "f", "g", "config" (2), "pk"
    expect(m.objects).toBe(1 + 1); // root is "Object" too
    expect(m.strings).toBe(3);
    expect(m.other).toBe(1); // Number 5
    expect(m.total).toBe(m.functionVars + m.scopeVars + m.otherNames + m.objects + m.strings + m.other);
  });
});

describe("bundleFunctions", () => {
  it("counts top-level and nested functions (declarations, expressions, arrows, methods) and their parameters", async () => {
    const { bundleFunctions } = await import("../../bench/memory-map");
    const code = "function a(x,y){return function(z){return x+z}}var b=function(){},c=(p)=>p;var o={m(q){}};class K{n(r,s){}}";
    // top level: a, b, c, o.m, K#n; nested: the function inside a
    expect(bundleFunctions(code)).toEqual({ topLevel: 5, nested: 1, parameters: 2 + 1 + 0 + 1 + 1 + 2 });
  });
});
