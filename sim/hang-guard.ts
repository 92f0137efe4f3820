// The simulator's hang guard: a firmware callback that never returns to the idle loop must be caught, as the
// cap's watchdog would catch it, without paying for it on every callback.
//
// node:vm's `timeout` option starts a watchdog thread for every guarded call (node_contextify.cc, Watchdog):
// ~50 µs per callback, ~93 % of a year's run. It also measures host time, so a loaded machine can call a slow
// callback a hang. Instead the code the firmware's context runs is instrumented once, when it is compiled: every
// loop iteration and every function entry counts one step, and a callback that takes more than a budget of
// steps is a hang. Nothing else can run for ever in JavaScript (no loop, no call: straight-line code ends), so
// the guard catches every firmware hang, deterministically (the same run trips at the same step on any host).
//
// The steps are counted in a script-scope `let` of the context (not a property of its global object: those go
// through node:vm's interceptors) that the runtime resets before each callback; the trip function is a
// non-enumerable global. The firmware never uses either name. Promise jobs run inside the callback that queued
// them (runtime.ts), so they count towards its budget.
import * as acorn from "acorn";

/** Steps (loop iterations + function calls) one callback may take before it counts as a hang. */
export const DEFAULT_HANG_STEPS = 10_000_000;

/** The context's step counter and the host function called when it passes the budget. */
export const STEP_COUNTER = "__simSteps";
export const STEP_TRIP = "__simHang";

interface Insert {
  at: number;
  text: string;
  /** Order of creation: outer nodes are visited (and their inserts made) before inner ones. */
  n: number;
}

type AnyNode = acorn.Node & Record<string, unknown>;

/**
 * The source with a step check at the top of every loop body and function body. The text of the code is
 * otherwise unchanged (positions of the original code move; line numbers do not, no newline is added).
 */
export function instrumentSource(src: string, budget: number): string {
  // Every boot of every cap compiles the same bundle: parse it once per process. (Keyed by the source itself,
  // not by a string made of budget and source: that would be a new 40 kB string to hash at every boot.)
  let perBudget = memo.get(budget);
  if (!perBudget) memo.set(budget, (perBudget = new Map()));
  const hit = perBudget.get(src);
  if (hit !== undefined) return hit;
  const out = instrument(src, budget);
  if (perBudget.size >= 8) perBudget.delete(perBudget.keys().next().value as string);
  perBudget.set(src, out);
  return out;
}

const memo = new Map<number, Map<string, string>>();

const parsed = new Map<string, acorn.Node | null>();

/** The script's syntax tree (a top-level `return` allowed), or null if it does not parse; the last few are
 *  kept: every boot of every cap compiles the same bundle (sim/bundle-scope.ts reads the same tree). */
export function parseScript(src: string): acorn.Node | null {
  const hit = parsed.get(src);
  if (hit !== undefined) return hit;
  let ast: acorn.Node | null;
  try {
    ast = acorn.parse(src, { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: true });
  } catch {
    ast = null;
  }
  if (parsed.size >= 4) parsed.delete(parsed.keys().next().value as string);
  parsed.set(src, ast);
  return ast;
}

function instrument(src: string, budget: number): string {
  const ast = parseScript(src);
  if (!ast) return src; // compiling it will report the syntax error as it always did
  const check = `if(++${STEP_COUNTER}>${budget})${STEP_TRIP}();`;
  const checkExpr = `++${STEP_COUNTER}>${budget}&&${STEP_TRIP}()`;
  const inserts: Insert[] = [];
  const add = (at: number, text: string) => inserts.push({ at, text, n: inserts.length });
  const guardStatement = (body: AnyNode) => {
    if (body.type === "BlockStatement") add(body.start + 1, check);
    else {
      add(body.start, `{${check}`);
      add(body.end, "}");
    }
  };
  const guardFunction = (fn: AnyNode) => {
    const body = fn.body as AnyNode;
    if (body.type !== "BlockStatement") {
      // An arrow with an expression body: (check, expr).
      add(body.start, `(${checkExpr},`);
      add(body.end, ")");
      return;
    }
    // After the directive prologue ("use strict" must stay first to keep its meaning).
    let at = body.start + 1;
    for (const s of body.body as AnyNode[]) {
      if (s.type === "ExpressionStatement" && typeof s.directive === "string") at = s.end;
      else break;
    }
    add(at, check);
  };
  const visit = (node: AnyNode) => {
    switch (node.type) {
      case "WhileStatement":
      case "DoWhileStatement":
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
        guardStatement(node.body as AnyNode);
        break;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        guardFunction(node);
        break;
    }
    for (const key of Object.keys(node)) {
      const v = node[key];
      if (Array.isArray(v)) {
        for (const c of v) if (c && typeof c === "object" && typeof (c as AnyNode).type === "string") visit(c as AnyNode);
      } else if (v && typeof v === "object" && typeof (v as AnyNode).type === "string") visit(v as AnyNode);
    }
  };
  visit(ast as AnyNode);
  // By position; at one position closers go first (inner before outer), then openers (outer before inner).
  inserts.sort((a, b) => a.at - b.at || closer(b) - closer(a) || (closer(a) ? b.n - a.n : a.n - b.n));
  let out = "";
  let last = 0;
  for (const ins of inserts) {
    out += src.slice(last, ins.at) + ins.text;
    last = ins.at;
  }
  return out + src.slice(last);
}

function closer(i: Insert): number {
  return i.text === "}" || i.text === ")" ? 1 : 0;
}
