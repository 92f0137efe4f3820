// Bundle half of the Espruino gate: a safety net over esbuild's output. Parses the bundle with acorn and
// refuses any node that Espruino 2v29 cannot run, whatever put it there (a source the source check missed,
// an esbuild helper, a future esbuild version). Locations are mapped back to the TypeScript source through
// esbuild's source map.
import * as acorn from "acorn";
import path from "node:path";
import { MISSING_GLOBALS, MISSING_STATICS, ERROR_CONSTRUCTORS, PROTOTYPE_UNREACHABLE, CAP_BUILD_STATICS, CAP_BUILD_GLOBALS } from "./rules.mjs";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Decodes a source map's `mappings` (Base64 VLQ, https://sourcemaps.info/spec.html) into, per generated
 * line, a list of [generatedColumn, sourceIndex, sourceLine, sourceColumn] (all 0-based), sorted by column.
 * @param {string} mappings
 * @returns {number[][][]}
 */
export function decodeMappings(mappings) {
  const lines = [];
  let src = 0, srcLine = 0, srcCol = 0;
  for (const lineText of mappings.split(";")) {
    const segs = [];
    let genCol = 0;
    for (const seg of lineText.split(",")) {
      if (!seg) continue;
      const fields = [];
      let value = 0, shift = 0;
      for (const ch of seg) {
        const digit = B64.indexOf(ch);
        if (digit < 0) throw new Error(`bad VLQ character '${ch}' in source map`);
        value += (digit & 31) << shift;
        if (digit & 32) { shift += 5; continue; }
        fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0; shift = 0;
      }
      genCol += fields[0];
      if (fields.length >= 4) {
        src += fields[1]; srcLine += fields[2]; srcCol += fields[3];
        segs.push([genCol, src, srcLine, srcCol]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

/** Maps a generated (1-based line, 0-based column) to the original place, or undefined. */
function mapBack(decoded, map, mapDir, line, column) {
  const segs = decoded[line - 1];
  if (!segs || segs.length === 0) return undefined;
  let best;
  for (const s of segs) { if (s[0] <= column) best = s; else break; }
  best ??= segs[0];
  const source = map.sources[best[1]];
  return { file: path.relative(process.cwd(), path.resolve(mapDir, map.sourceRoot ?? "", source)), line: best[2] + 1, column: best[3] + 1 };
}

/**
 * Checks bundle text. `sourceMap` (parsed JSON) and `mapDir` (the folder the map's sources are relative to)
 * are optional; without them, places are given in the bundle itself. `globals`: names no top-level binding
 * may take (espruino-globals.mjs).
 * @param {string} code
 * @param {{ file?: string, sourceMap?: any, mapDir?: string, globals?: readonly string[] }} [opts]
 * @returns {import("./source-check.mjs").Problem[]}
 */
export function checkBundle(code, opts = {}) {
  const bundleName = opts.file ?? "dist/firmware.js";
  const problems = [];
  let ast;
  try {
    ast = acorn.parse(code, { ecmaVersion: "latest", sourceType: "script", locations: true, allowHashBang: false });
  } catch (e) {
    const loc = e.loc ?? { line: 0, column: 0 };
    return [{ file: bundleName, line: loc.line, column: loc.column + 1, rule: "parse", message: `bundle does not parse as a script: ${e.message}` }];
  }
  const decoded = opts.sourceMap ? decodeMappings(opts.sourceMap.mappings) : undefined;
  const report = (node, rule, message) => {
    const { line, column } = node.loc.start;
    const orig = decoded ? mapBack(decoded, opts.sourceMap, opts.mapDir ?? ".", line, column) : undefined;
    const where = orig ?? { file: bundleName, line, column: column + 1 };
    problems.push({ ...where, rule, message: `${message} (in ${bundleName}:${line}:${column + 1})` });
  };

  // The bundle's top level is the interpreter's global scope: a top-level binding must not take the name of
  // one of its globals (espruino-globals.mjs).
  if (opts.globals) {
    const taken = new Set(opts.globals);
    for (const s of ast.body) {
      const ids = s.type === "VariableDeclaration" ? s.declarations.map((d) => d.id) : (s.type === "FunctionDeclaration" || s.type === "ClassDeclaration") && s.id ? [s.id] : [];
      for (const id of ids) {
        if (id.type === "Identifier" && taken.has(id.name)) report(id, "global-name", `top-level '${id.name}' would replace the interpreter's global of that name`);
      }
    }
  }

  // Every name declared anywhere in the bundle: a reference to a missing global only counts when free.
  const declared = new Set();
  const addPattern = (p) => {
    if (!p) return;
    if (p.type === "Identifier") declared.add(p.name);
    else if (p.type === "ObjectPattern") p.properties.forEach((q) => addPattern(q.type === "RestElement" ? q.argument : q.value));
    else if (p.type === "ArrayPattern") p.elements.forEach(addPattern);
    else if (p.type === "RestElement") addPattern(p.argument);
    else if (p.type === "AssignmentPattern") addPattern(p.left);
  };
  walk(ast, (n) => {
    if (n.type === "VariableDeclarator") addPattern(n.id);
    else if ((n.type === "FunctionDeclaration" || n.type === "FunctionExpression" || n.type === "ClassDeclaration" || n.type === "ClassExpression") && n.id) declared.add(n.id.name);
    if (n.type === "FunctionDeclaration" || n.type === "FunctionExpression" || n.type === "ArrowFunctionExpression") n.params.forEach(addPattern);
    if (n.type === "CatchClause") addPattern(n.param);
  });
  const freeGlobal = (n) => n && n.type === "Identifier" && !declared.has(n.name);

  walk(ast, (n, parent) => {
    switch (n.type) {
      case "AssignmentPattern": return report(n, "default-parameter", "default value in a parameter or pattern");
      case "RestElement": return report(n, "rest-parameter", "rest element");
      case "SpreadElement": return report(n, "spread", "spread element");
      case "ObjectPattern": case "ArrayPattern": return report(n, "destructuring", "destructuring pattern");
      case "LabeledStatement": return report(n, "labelled-statement", `labelled statement '${n.label.name}:'`);
      case "ChainExpression": return report(n, "optional-chain", "optional chaining (should have been lowered by esbuild)");
      case "PrivateIdentifier": return report(n, "private-field", `#private member '#${n.name}'`);
      case "StaticBlock": return report(n, "static-block", "class static block (should have been lowered by esbuild)");
      case "AwaitExpression": return report(n, "async", "await");
      case "YieldExpression": return report(n, "generator", "yield");
      case "ImportExpression": return report(n, "import", "dynamic import()");
      case "MetaProperty": return report(n, n.meta.name === "new" ? "new-target" : "import", `${n.meta.name}.${n.property.name}`);
      case "Literal":
        if (n.bigint !== undefined) report(n, "bigint", "BigInt literal");
        if (n.regex && /[^gim]/.test(n.regex.flags)) report(n, "regexp-flag", `regular expression flags '${n.regex.flags}'`);
        return;
      case "TaggedTemplateExpression": return report(n, "tagged-template", "tagged template literal");
      case "BinaryExpression":
        if (n.operator === "**") report(n, "exponent", "'**' operator (should have been lowered to Math.pow)");
        return;
      case "AssignmentExpression":
        if (["**=", "&&=", "||=", "??="].includes(n.operator)) report(n, "assignment-operator", `'${n.operator}' operator (should have been lowered by esbuild)`);
        return;
      case "Property":
        if (n.computed) report(n, "computed-key", "computed key in an object literal");
        return;
      case "MethodDefinition": case "PropertyDefinition":
        if (n.computed) report(n, "computed-key", "computed class member name");
        return;
      case "FunctionDeclaration": case "FunctionExpression": case "ArrowFunctionExpression":
        if (n.generator) report(n, "generator", "generator function");
        if (n.async) report(n, "async", "async function");
        return;
      case "ForOfStatement":
        if (n.await) report(n, "async", "for await");
        return;
      case "ClassDeclaration": case "ClassExpression":
        if (n.superClass && freeGlobal(n.superClass) && ERROR_CONSTRUCTORS.has(n.superClass.name)) {
          report(n.superClass, "extends-error", `class extends ${n.superClass.name}`);
        }
        return;
      case "MemberExpression": {
        const name = !n.computed ? n.property.name : (n.property.type === "Literal" ? String(n.property.value) : undefined);
        if (name !== undefined && freeGlobal(n.object) && MISSING_STATICS.get(n.object.name)?.has(name)) {
          report(n, "missing-builtin", `${n.object.name}.${name} does not exist on Espruino 2v29`);
        }
        if (name !== undefined && freeGlobal(n.object) && CAP_BUILD_STATICS.get(n.object.name)?.has(name)) {
          report(n, "cap-build", `${n.object.name}.${name} ${CAP_BUILD_STATICS.get(n.object.name).get(name)}`);
        }
        const o = n.object;
        if (name !== undefined && o.type === "MemberExpression" && !o.computed && o.property.name === "prototype" &&
          freeGlobal(o.object) && PROTOTYPE_UNREACHABLE.has(o.object.name) &&
          !(parent?.type === "AssignmentExpression" && parent.left === n)) {
          report(n, "prototype-method", `${o.object.name}.prototype.${name} is undefined on Espruino 2v29`);
        }
        return;
      }
      case "Identifier":
        // Calls only: the build's dead `if (false) { ...globals }` block (index.mjs) names every global.
        if (CAP_BUILD_GLOBALS.has(n.name) && !declared.has(n.name) && parent?.type === "CallExpression" && parent.callee === n) {
          report(n, "cap-build", `${n.name}() ${CAP_BUILD_GLOBALS.get(n.name)}`);
        }
        if (MISSING_GLOBALS.has(n.name) && !declared.has(n.name) && isReference(n, parent)) {
          report(n, "missing-builtin", `free reference to ${n.name}, which is not a global on Espruino 2v29`);
        }
        return;
    }
  });
  return problems;
}

function isReference(id, parent) {
  if (!parent) return true;
  if (parent.type === "MemberExpression" && parent.property === id && !parent.computed) return false;
  if ((parent.type === "Property" || parent.type === "MethodDefinition" || parent.type === "PropertyDefinition") && parent.key === id && !parent.computed) {
    return parent.type === "Property" && parent.shorthand;
  }
  if ((parent.type === "LabeledStatement" || parent.type === "BreakStatement" || parent.type === "ContinueStatement")) return false;
  return true;
}

/** Calls visit(node, parent) for every node, depth first. */
function walk(node, visit, parent) {
  visit(node, parent);
  for (const key of Object.keys(node)) {
    if (key === "loc" || key === "start" || key === "end") continue;
    const v = node[key];
    if (Array.isArray(v)) { for (const c of v) if (c && typeof c.type === "string") walk(c, visit, node); }
    else if (v && typeof v.type === "string") walk(v, visit, node);
  }
}
