// The boot code's top-level names as fast locals, seen from outside as the globals they are on Espruino.
//
// In a node:vm context every access to a property of the global object goes through the context's interceptors
// (C++ callbacks, ~0.2-1 µs each, no inline cache). Espruino makes the top-level `var`s and functions of the
// boot code globals, so the firmware's own module-level state and functions would pay that on every use:
// ~15 % of a simulated year. The boot code is therefore compiled inside a function (its top-level names are
// locals of it, reached through the scope chain at full speed) and each of those names is also defined on the
// global object as an accessor onto the local: code outside (an evaluate() of a test, a string callback,
// `global.name`) reads and writes the same binding as on the device.
//
// The globals the code reads by name (builtins like `Math`, the API: `getTime`, `setTimeout`, `E`) are aliased
// the same way: each becomes a parameter of the function, passed the global's value at boot, and the global an
// accessor onto it (only own, configurable data properties of the global object: a builtin the strict language
// removed is no global and still throws). As for the top-level names, a later `Object.defineProperty` or
// `delete` of such a global from outside would part it from the local; nothing in the simulator does that.
//
// Only code that keeps its meaning that way is wrapped; anything else runs as a plain script, as before:
// - a top-level name that is already a global (a bundle's `var print = ...` or `function setTimeout`):
//   on Espruino the declaration reuses the global, a local would not;
// - a function declared in a nested block at top level (annex B hoisting), `eval`, or `arguments` outside
//   any function: their meaning depends on being at the top level of a script;
// - code that does not parse as a script (the compile reports the error as before).
// The wrapper adds no loop and no instrumented function (sim/hang-guard.ts runs first): the steps the hang
// guard counts, which the CPU model charges (sim/cpu.ts), are the same as the plain script's.
import type * as acorn from "acorn";
import { parseScript } from "./hang-guard.js";

type AnyNode = acorn.Node & Record<string, unknown>;

export interface BootScope {
  /** Top-level names of the code (var, let, const, function, class). */
  names: string[];
  /** Offset just after the directive prologue ("use strict" must stay first). */
  prologueEnd: number;
  /** Other names the code reads or writes (not declared at its top level): candidates for aliasing the
   *  global of that name (wrapBootCode), if the context has one. */
  free: string[];
}

const memo = new Map<string, BootScope | null>();

/** Names that cannot be a strict function's parameters: never aliased. */
const NOT_PARAMS = new Set(["eval", "arguments", "implements", "interface", "let", "package", "private", "protected", "public", "static", "yield", "await"]);

/** The wrapper's own names (a script that declares a name starting so is not wrapped). */
const DEF = "__simScopeDef";
const VAL = "__simScopeValue";

/** The top-level names of a script and where its prologue ends, or null if it must run as a plain script. */
export function bootScope(src: string): BootScope | null {
  const hit = memo.get(src);
  if (hit !== undefined) return hit;
  const out = analyse(src);
  if (memo.size >= 8) memo.delete(memo.keys().next().value as string);
  memo.set(src, out);
  return out;
}

function analyse(src: string): BootScope | null {
  // The hang guard's tree (parsed once per bundle); it allows a top-level return, which is refused below.
  const ast = parseScript(src) as unknown as AnyNode | null;
  if (!ast) return null;
  const names = new Set<string>();
  let ok = true;
  const pattern = (p: AnyNode | null): void => {
    if (!p) return;
    switch (p.type) {
      case "Identifier":
        names.add(p.name as string);
        break;
      case "ObjectPattern":
        for (const q of p.properties as AnyNode[]) pattern((q.type === "RestElement" ? q.argument : q.value) as AnyNode);
        break;
      case "ArrayPattern":
        for (const q of p.elements as (AnyNode | null)[]) pattern(q);
        break;
      case "AssignmentPattern":
        pattern(p.left as AnyNode);
        break;
      case "RestElement":
        pattern(p.argument as AnyNode);
        break;
    }
  };
  // Walks the code outside functions (`inArrow`: inside arrow functions at top level, which see the top
  // level's `arguments`). Declarations in function bodies are not top-level names.
  const visit = (node: AnyNode, depth: number, inArrow: boolean): void => {
    if (!ok) return;
    switch (node.type) {
      case "FunctionDeclaration":
        if (!inArrow) {
          if (depth > 0) ok = false; // a function in a block at top level: annex B hoisting
          else names.add((node.id as AnyNode).name as string);
        }
        return; // its body is a scope of its own
      case "FunctionExpression":
      case "StaticBlock":
        return;
      case "ClassDeclaration":
        if (depth === 0 && !inArrow) names.add((node.id as AnyNode).name as string);
        break;
      case "VariableDeclaration":
        if (!inArrow && (node.kind === "var" || depth === 0)) for (const d of node.declarations as AnyNode[]) pattern(d.id as AnyNode);
        break;
      case "ArrowFunctionExpression":
        for (const p of node.params as AnyNode[]) visit(p, depth + 1, true);
        visit(node.body as AnyNode, depth + 1, true);
        return;
      case "Identifier":
        if (node.name === "eval" || node.name === "arguments") ok = false;
        return;
      case "ReturnStatement":
        if (!inArrow) ok = false; // a syntax error in a script, which the compile must still report
        break;
    }
    for (const key of Object.keys(node)) {
      const v = node[key];
      const d = node.type === "Program" ? 0 : depth + 1;
      if (Array.isArray(v)) {
        for (const c of v) if (c && typeof c === "object" && typeof (c as AnyNode).type === "string") visit(c as AnyNode, d, inArrow);
      } else if (v && typeof v === "object" && typeof (v as AnyNode).type === "string") visit(v as AnyNode, d, inArrow);
    }
  };
  visit(ast, 0, false);
  const free = new Set<string>();
  refs(ast, free);
  for (const n of names) free.delete(n);
  for (const n of free) if (n.startsWith("__sim") || NOT_PARAMS.has(n)) free.delete(n);
  if (!ok || [...names].some((n) => n.startsWith("__sim"))) return null;
  let prologueEnd = 0;
  for (const s of ast.body as AnyNode[]) {
    if (s.type === "ExpressionStatement" && typeof s.directive === "string") prologueEnd = s.end;
    else break;
  }
  return { names: [...names], prologueEnd, free: [...free].sort() };
}

/**
 * Every name an identifier of the code may refer to (any scope; property names, keys and labels left out).
 * A name that some inner scope declares is kept: aliasing a global of that name at the wrapper changes
 * nothing for the inner scope, whose declaration shadows the alias as it shadowed the global.
 */
function refs(node: AnyNode, out: Set<string>): void {
  switch (node.type) {
    case "Identifier":
      out.add(node.name as string);
      return;
    case "MemberExpression":
      refs(node.object as AnyNode, out);
      if (node.computed) refs(node.property as AnyNode, out);
      return;
    case "Property":
    case "MethodDefinition":
    case "PropertyDefinition":
      if (node.computed || node.shorthand) refs(node.key as AnyNode, out);
      if (node.value) refs(node.value as AnyNode, out);
      return;
    case "LabeledStatement":
      refs(node.body as AnyNode, out);
      return;
    case "BreakStatement":
    case "ContinueStatement":
    case "MetaProperty":
      return;
  }
  for (const key of Object.keys(node)) {
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c === "object" && typeof (c as AnyNode).type === "string") refs(c as AnyNode, out);
    } else if (v && typeof v === "object" && typeof (v as AnyNode).type === "string") refs(v as AnyNode, out);
  }
}

/**
 * `code` (the script `scope` was found in, possibly instrumented by the hang guard: it changes nothing before
 * the end of the prologue) as a function called with the script's `this`, its top-level names defined as
 * accessors of the global object first. No newline is added: line numbers stay those of the code.
 *
 * `aliases`: globals of the context the code refers to (from scope.free: own data properties of the global
 * object, configurable, checked by the caller in the context). Each becomes a parameter of the function,
 * passed the global's value, and the global becomes an accessor onto that parameter, as the top-level names
 * do: a builtin (`Math`, `JSON`) or API function (`digitalWrite`, `E`) used by the code is then a local read,
 * not a trip through node:vm's interceptors (~0.1 µs each), and code outside still shares the one binding.
 */
export function wrapBootCode(code: string, scope: BootScope, aliases: string[] = []): string {
  // Every boot wraps the same code: the same string back (the device compares it with the code it compiled
  // last, at once when it is the same string).
  const key = aliases.join(",");
  const hit = wrapped.get(code);
  if (hit && hit.scope === scope && hit.key === key) return hit.out;
  const out = wrap(code, scope, aliases);
  if (wrapped.size >= 8) wrapped.delete(wrapped.keys().next().value as string);
  wrapped.set(code, { scope, key, out });
  return out;
}

const wrapped = new Map<string, { scope: BootScope; key: string; out: string }>();

function wrap(code: string, scope: BootScope, aliases: string[]): string {
  const accessor = (n: string) => `${DEF}(${JSON.stringify(n)},function(){return ${n}},function(${VAL}){${n}=${VAL}});`;
  const define = scope.names.map(accessor).join("");
  const alias = aliases.map(accessor).join("");
  return (
    `(function(${aliases.join(",")}){` +
    code.slice(0, scope.prologueEnd) +
    (alias
      ? `(function(${DEF}){${alias}})(function(n,g,s){Object.defineProperty(globalThis,n,{get:g,set:s,enumerable:Object.getOwnPropertyDescriptor(globalThis,n).enumerable,configurable:true})});`
      : "") +
    `(function(${DEF}){${define}})(function(n,g,s){Object.defineProperty(globalThis,n,{get:g,set:s,enumerable:true,configurable:true})});` +
    code.slice(scope.prologueEnd) +
    `\n}).call(this${aliases.map((n) => `,globalThis[${JSON.stringify(n)}]`).join("")})`
  );
}
