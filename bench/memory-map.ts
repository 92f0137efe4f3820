// Where the variables go: E.dumpVariables() output (2v29 src/jswrap_espruino.c, jswrap_e_dumpVariables: one
// line "ref,size,flags,name-or-kind,links..." per allocated variable) summed by what holds them. Used by
// bench/memory.ts on the device-like interpreter; pure, so its parsing is tested on a hand-written dump.
//
// The type numbers are those of 2v29's JsVarFlags (src/jsvar.h) on a 32-bit build with 12-bit references
// (13-byte variables), which has ESPR_UNICODE_SUPPORT and SPIFLASH_BASE (LINUX): JSV_FUNCTION 7,
// JSV_FUNCTION_RETURN 9, names 14..28, strings 29..41 (41: flash string, the code of a function kept in flash).

import * as acorn from "acorn";

export interface VarLine {
  ref: number;
  size: number;
  type: number;
  /** the quoted name for names, "String ..." / "Number ..." / "Object" / "Array" / "" otherwise */
  label: string;
  links: number[];
}

export interface MemoryMap {
  total: number;
  /** live functions (JSV_FUNCTION or JSV_FUNCTION_RETURN with a code slot) */
  functions: number;
  /** their variables: the function, the names of its code, scope and parameters, and the code reference */
  functionVars: number;
  parameters: number;
  /** scopes kept alive by closures: 2v29 makes a call's scope a function-typed variable with no code slot; its
   *  locals' names and the scope itself */
  scopes: number;
  scopeVars: number;
  /** names that are not a function's own (variables of scopes, properties of objects, array indices) */
  otherNames: number;
  objects: number;
  strings: number;
  other: number;
}

const FUNCTION = new Set([7, 9]);
const NAME_MIN = 14;
const NAME_MAX = 28;
const STRING_MIN = 29;
const STRING_MAX = 41;

/** Parses the lines after the "ref,size,flags,name,links..." header. */
export function parseDump(text: string): VarLine[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l.startsWith("ref,size,flags"));
  const out: VarLine[] = [];
  if (start < 0) return out;
  for (const line of lines.slice(start + 1)) {
    const m = /^(\d+),(\d+),(\d+),(.*)$/.exec(line);
    if (!m) continue;
    let rest = m[4];
    let label: string;
    const quoted = rest.startsWith('"') ? 0 : rest.startsWith('String "') ? 7 : -1;
    if (quoted >= 0) {
      let j = quoted + 1;
      while (j < rest.length && rest[j] !== '"') j += rest[j] === "\\" ? 2 : 1;
      label = rest.slice(0, j + 1);
      rest = rest.slice(j + 2);
    } else {
      const k = rest.indexOf(",");
      label = k < 0 ? rest : rest.slice(0, k);
      rest = k < 0 ? "" : rest.slice(k + 1);
    }
    out.push({ ref: +m[1], size: +m[2], type: +m[3], label, links: rest.split(",").filter(Boolean).map(Number) });
  }
  return out;
}

export function memoryMap(vars: VarLine[]): MemoryMap {
  const byRef = new Map(vars.map((v) => [v.ref, v]));
  const own = new Set<number>(); // variables that belong to a function
  const scope = new Set<number>(); // a kept scope and its locals' names
  let functions = 0;
  let parameters = 0;
  let scopes = 0;
  const isName = (n: VarLine | undefined): n is VarLine => !!n && n.type >= NAME_MIN && n.type <= NAME_MAX;
  for (const f of vars) {
    if (!FUNCTION.has(f.type)) continue;
    if (!f.links.some((l) => byRef.get(l)?.label === '"\\xFFcod"')) {
      scopes++;
      scope.add(f.ref);
      for (const l of f.links) if (isName(byRef.get(l))) scope.add(l);
      continue;
    }
    functions++;
    own.add(f.ref);
    for (const l of f.links) {
      const n = byRef.get(l);
      if (!isName(n)) continue;
      own.add(l);
      if (n.label === '"\\xFFcod"') {
        const code = byRef.get(n.links[0]);
        if (code && code.type >= STRING_MIN && code.type <= STRING_MAX) own.add(code.ref);
      } else if (n.label !== '"\\xFFsco"' && n.label.startsWith('"\\xFF')) parameters++;
    }
  }
  const m: MemoryMap = { total: 0, functions, functionVars: 0, parameters, scopes, scopeVars: 0, otherNames: 0, objects: 0, strings: 0, other: 0 };
  for (const v of vars) {
    m.total += v.size;
    if (own.has(v.ref)) m.functionVars += v.size;
    else if (scope.has(v.ref)) m.scopeVars += v.size;
    else if (v.type >= NAME_MIN && v.type <= NAME_MAX) m.otherNames += v.size;
    else if (v.label === "Object" || v.label === "Array") m.objects += v.size;
    else if (v.type >= STRING_MIN && v.type <= STRING_MAX) m.strings += v.size;
    else m.other += v.size;
  }
  return m;
}

/** Functions written in a bundle (acorn): at its top level (they exist from the start, for good), nested
 *  (created when their enclosing function runs), and parameters of all. A figure any machine can print; on
 *  the cap each live function costs ~4 variables plus 1 per parameter (docs/benchmarks.md §5). */
export function bundleFunctions(code: string): { topLevel: number; nested: number; parameters: number } {
  const ast = acorn.parse(code, { ecmaVersion: "latest", sourceType: "script" });
  const out = { topLevel: 0, nested: 0, parameters: 0 };
  const visit = (n: unknown, depth: number): void => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) {
      for (const c of n) visit(c, depth);
      return;
    }
    const node = n as { type?: string; params?: unknown[] };
    if (typeof node.type !== "string") return;
    const isFn = node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression";
    if (isFn) {
      if (depth === 0) out.topLevel++;
      else out.nested++;
      out.parameters += node.params!.length;
    }
    for (const k of Object.keys(node)) if (k !== "type") visit((node as Record<string, unknown>)[k], depth + (isFn ? 1 : 0));
  };
  visit(ast, 0);
  return out;
}
