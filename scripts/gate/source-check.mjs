// Source half of the Espruino gate: walks every TypeScript file reachable from an entry file with the
// TypeScript compiler API (firmware/tsconfig.json options + the type checker) and refuses the constructs
// that Espruino 2v29 cannot run and esbuild cannot lower (docs/espruino-gate.md).
import ts from "typescript";
import { builtinModules } from "node:module";
import path from "node:path";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import {
  MISSING_GLOBALS, MISSING_STATICS, CONSTRUCTOR_TYPE_NAMES, MISSING_METHODS, MISSING_METHODS_ANY_RECEIVER,
  ERROR_CONSTRUCTORS, TYPED_ARRAY_NAMES, PROTOTYPE_UNREACHABLE, missingGlobalAdvice, CAP_BUILD_STATICS, CAP_BUILD_GLOBALS,
} from "./rules.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const FIRMWARE_TSCONFIG = path.join(ROOT, "firmware/tsconfig.json");
const NODE_BUILTINS = new Set(builtinModules);

/**
 * @typedef {{ file: string, line: number, column: number, rule: string, message: string }} Problem
 * file is relative to the working directory; line and column are 1-based.
 */

/** Loads the firmware compiler options and the project's declaration files (types/*.d.ts). */
function loadConfig(tsconfigPath) {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfigPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (!parsed) throw new Error(`cannot read ${tsconfigPath}`);
  const declarations = parsed.fileNames.filter((f) => f.endsWith(".d.ts"));
  return { options: parsed.options, declarations };
}

/**
 * Checks `entry` and every file it imports (transitively). Returns the problems found, sorted by place.
 * @param {string | string[]} entry path(s) of entry .ts files (e.g. "firmware/main.ts" or a test fixture)
 * @param {{ tsconfig?: string }} [opts]
 * @returns {{ files: string[], problems: Problem[], program: ts.Program }} (program: for the mangle analysis)
 */
export function checkSources(entry, opts = {}) {
  const { options, declarations } = loadConfig(opts.tsconfig ?? FIRMWARE_TSCONFIG);
  const entries = (Array.isArray(entry) ? entry : [entry]).map((e) => path.resolve(e));
  for (const e of entries) if (!fs.existsSync(e)) throw new Error(`entry file not found: ${path.relative(process.cwd(), e)}`);
  const program = ts.createProgram({ rootNames: [...entries, ...declarations], options });
  const checker = program.getTypeChecker();
  /** @type {Problem[]} */
  const problems = [];
  const files = [];
  const simDir = path.join(ROOT, "sim") + path.sep;
  for (const sf of program.getSourceFiles()) {
    const abs = path.resolve(sf.fileName);
    if (sf.isDeclarationFile || abs.includes(`${path.sep}node_modules${path.sep}`) || abs.startsWith(simDir)) continue;
    files.push(path.relative(process.cwd(), abs));
    checkFile(sf, checker, problems, program);
  }
  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { files, problems, program };
}

/** Every firmware source file (firmware/**\/*.ts, declarations excluded), for linting modules not yet wired into main.ts. */
export function firmwareSources() {
  const { fileNames } = ts.getParsedCommandLineOfConfigFile(FIRMWARE_TSCONFIG, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  return fileNames.filter((f) => !f.endsWith(".d.ts")).map((f) => path.relative(process.cwd(), f));
}

/** `file:line:col: message` — the one format the gate prints. */
export function formatProblem(p) {
  return `${p.file}:${p.line}:${p.column}: ${p.message} [${p.rule}]`;
}

function checkFile(sf, checker, problems, program) {
  const report = (node, rule, message) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    problems.push({ file: path.relative(process.cwd(), path.resolve(sf.fileName)), line: line + 1, column: character + 1, rule, message });
  };
  const isFromDeclarationFile = (symbol) =>
    !!symbol && (symbol.declarations ?? []).length > 0 && symbol.declarations.every((d) => d.getSourceFile().isDeclarationFile);

  const visit = (node) => {
    switch (node.kind) {
      case ts.SyntaxKind.LabeledStatement:
        report(node, "labelled-statement", `labelled statement '${node.label.text}:' (Espruino: ReferenceError); use a flag or a function with return`);
        break;
      case ts.SyntaxKind.YieldExpression:
        report(node, "generator", "yield: generators do not run on Espruino and esbuild cannot lower them");
        break;
      case ts.SyntaxKind.AwaitExpression:
        report(node, "async", "await: async/await does not run on Espruino; use callbacks or Promise.then");
        break;
      case ts.SyntaxKind.PrivateIdentifier:
        report(node, "private-field", `#private member '${node.text}' (Espruino: SyntaxError; esbuild would need WeakMap); use a plain or TypeScript 'private' member`);
        break;
      case ts.SyntaxKind.Parameter:
        // Signatures without a body (function types, overloads, declare) emit nothing.
        if (!node.parent.body) break;
        if (node.initializer) report(node, "default-parameter", "default parameter value (Espruino: SyntaxError; esbuild cannot lower it); test for undefined in the body");
        if (node.dotDotDotToken) report(node, "rest-parameter", "rest parameter (Espruino: SyntaxError; esbuild cannot lower it); pass an array or use arguments");
        if (ts.isObjectBindingPattern(node.name) || ts.isArrayBindingPattern(node.name)) {
          report(node.name, "destructuring", "destructuring parameter (Espruino: SyntaxError; esbuild cannot lower it); take the object and read its fields");
        }
        break;
      case ts.SyntaxKind.VariableDeclaration:
        if (ts.isObjectBindingPattern(node.name) || ts.isArrayBindingPattern(node.name)) {
          report(node.name, "destructuring", "destructuring declaration (Espruino: ReferenceError; esbuild cannot lower it); read the fields one by one");
        }
        break;
      case ts.SyntaxKind.BinaryExpression:
        if (node.operatorToken.kind === ts.SyntaxKind.EqualsToken && (ts.isObjectLiteralExpression(node.left) || ts.isArrayLiteralExpression(node.left))) {
          report(node.left, "destructuring", "destructuring assignment (Espruino: ReferenceError; esbuild cannot lower it)");
        }
        break;
      case ts.SyntaxKind.ForOfStatement:
      case ts.SyntaxKind.ForInStatement:
        if (ts.isObjectLiteralExpression(node.initializer) || ts.isArrayLiteralExpression(node.initializer)) {
          report(node.initializer, "destructuring", "destructuring in a for head (esbuild cannot lower it)");
        }
        if (node.awaitModifier) report(node, "async", "for await: async iteration does not run on Espruino");
        break;
      case ts.SyntaxKind.SpreadElement:
        report(node, "spread", "spread '...' in an array or call (Espruino: SyntaxError; esbuild cannot lower it); use concat/apply or a loop");
        break;
      case ts.SyntaxKind.ComputedPropertyName:
        // Only in emitted code: type members like `[k: string]` are index signatures, not computed keys.
        if (ts.isPropertySignature(node.parent) || ts.isMethodSignature(node.parent)) break;
        report(node, "computed-key", "computed key '[...]' (Espruino: SyntaxError: Got '[' expected ID; esbuild cannot lower it); assign obj[k] = v after creating the object");
        break;
      case ts.SyntaxKind.ClassStaticBlockDeclaration:
        // esbuild lowers static blocks; allowed.
        break;
      case ts.SyntaxKind.ClassDeclaration:
      case ts.SyntaxKind.ClassExpression: {
        // esbuild gives a derived class with instance fields and no constructor a synthesized
        // `constructor() { super(...arguments); ... }`: a spread Espruino cannot run.
        const derived = (node.heritageClauses ?? []).some((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
        const hasCtor = node.members.some((m) => ts.isConstructorDeclaration(m) && m.body);
        // (With the firmware tsconfig's useDefineForClassFields=false, only initialized fields emit code.)
        const instanceField = node.members.find((m) => ts.isPropertyDeclaration(m) && m.initializer &&
          !(ts.getModifiers(m) ?? []).some((x) => x.kind === ts.SyntaxKind.StaticKeyword || x.kind === ts.SyntaxKind.DeclareKeyword || x.kind === ts.SyntaxKind.AbstractKeyword));
        if (derived && !hasCtor && instanceField) {
          report(instanceField, "derived-class-fields", "instance field in a derived class without a constructor: esbuild would emit super(...arguments), a spread Espruino cannot run; write an explicit constructor");
        }
        break;
      }
      case ts.SyntaxKind.HeritageClause:
        if (node.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(node.parent)) {
          for (const t of node.types) checkExtends(t.expression);
        }
        break;
      case ts.SyntaxKind.ImportDeclaration:
      case ts.SyntaxKind.ExportDeclaration:
        if (node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) checkImport(node.moduleSpecifier);
        break;
      case ts.SyntaxKind.CallExpression:
        if (node.expression.kind === ts.SyntaxKind.ImportKeyword) {
          report(node, "import", "dynamic import() (Espruino has no module loader for it)");
        } else if (ts.isIdentifier(node.expression) && node.expression.text === "require" && node.arguments.length === 1 &&
          ts.isStringLiteralLike(node.arguments[0])) {
          const name = node.arguments[0].text;
          if (name.startsWith("node:") || (NODE_BUILTINS.has(name) && name !== "crypto")) {
            report(node.arguments[0], "node-import", `require("${name}"): firmware must not use Node modules`);
          } else if (name.startsWith(".") || name.startsWith("/")) {
            report(node.arguments[0], "require-file", `require("${name}") is left to the interpreter at run time (only Espruino's own modules such as "Flash" and "Storage"); import firmware files with import`);
          }
        }
        break;
      case ts.SyntaxKind.TaggedTemplateExpression:
        report(node, "tagged-template", "tagged template literal (Espruino: SyntaxError: Tagged template literals not supported; esbuild's lowering needs Object.freeze); call a function with a plain string");
        break;
      case ts.SyntaxKind.MetaProperty:
        if (node.keywordToken === ts.SyntaxKind.NewKeyword) report(node, "new-target", "new.target (Espruino: SyntaxError; esbuild cannot lower it)");
        break;
      case ts.SyntaxKind.RegularExpressionLiteral: {
        const flags = node.text.slice(node.text.lastIndexOf("/") + 1);
        if (/[^gim]/.test(flags)) report(node, "regexp-flag", `regular expression flag(s) '${flags.replace(/[gim]/g, "")}' (Espruino 2v29 knows only g, i and m: SyntaxError)`);
        break;
      }
      case ts.SyntaxKind.Identifier:
        checkIdentifier(node);
        break;
      case ts.SyntaxKind.PropertyAccessExpression:
        checkMember(node, node.expression, node.name.text, node.name);
        break;
      case ts.SyntaxKind.ElementAccessExpression:
        if (ts.isStringLiteralLike(node.argumentExpression)) checkMember(node, node.expression, node.argumentExpression.text, node.argumentExpression);
        break;
      case ts.SyntaxKind.ForStatement:
        checkLoopHeadCaptures(node);
        break;
    }
    if (ts.isFunctionLike(node)) {
      if (node.asteriskToken) report(node, "generator", "generator function* (does not run on Espruino; esbuild cannot lower it)");
      const mods = ts.canHaveModifiers(node) ? ts.getModifiers(node) ?? [] : [];
      if (mods.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
        report(node, "async", "async function (Espruino: ReferenceError: \"async\" is not defined); use callbacks or Promise.then");
      }
    }
    if ((ts.isForOfStatement(node) || ts.isForInStatement(node))) checkLoopHeadCaptures(node);
    ts.forEachChild(node, visit);
  };

  function checkExtends(expr) {
    const type = checker.getTypeAtLocation(expr);
    const typeName = type.symbol?.name ?? "";
    let symbol = checker.getSymbolAtLocation(expr);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const name = symbol?.name ?? "";
    const builtinError = (ERROR_CONSTRUCTORS.has(name) && (isFromDeclarationFile(symbol) || !symbol)) ||
      [...ERROR_CONSTRUCTORS].some((e) => typeName === e + "Constructor");
    if (builtinError) {
      report(expr, "extends-error", `class extends ${expr.getText(sf)} (Espruino: SyntaxError: Calling 'super' outside of class); throw a plain {code, message} object`);
    }
  }

  function checkImport(spec) {
    const name = spec.text;
    if (name.startsWith("node:") || NODE_BUILTINS.has(name)) {
      report(spec, "node-import", `import of Node module "${name}": firmware must not use Node modules`);
      return;
    }
    const resolved = ts.resolveModuleName(name, sf.fileName, program.getCompilerOptions(), ts.sys).resolvedModule;
    const target = resolved ? path.resolve(resolved.resolvedFileName) : path.resolve(path.dirname(sf.fileName), name);
    if (target.startsWith(path.join(ROOT, "sim") + path.sep)) {
      report(spec, "sim-import", `import of "${name}": firmware must not import the simulator (sim/)`);
    } else if (!name.startsWith(".")) {
      report(spec, "package-import", `import of package "${name}": firmware imports only its own files`);
    }
  }

  function isValueReference(id) {
    const p = id.parent;
    if (!p) return false;
    if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
    if (ts.isQualifiedName(p) || ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
    // Declaration and property names (`const Map = ...`, `{ Map: 1 }`, `x.Map`), but `{ Map }` reads Map.
    if (!ts.isShorthandPropertyAssignment(p) && (p.name === id || p.propertyName === id)) return false;
    for (let n = p; n && !ts.isSourceFile(n); n = n.parent) {
      if (ts.isExpressionWithTypeArguments(n)) {
        return ts.isHeritageClause(n.parent) && n.parent.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(n.parent.parent);
      }
      if (ts.isTypeNode(n)) return false;
      if (ts.isStatement(n)) break;
    }
    return true;
  }

  function checkIdentifier(id) {
    if (CAP_BUILD_GLOBALS.has(id.text) && isValueReference(id)) {
      const symbol = checker.getSymbolAtLocation(id);
      if (!symbol || isFromDeclarationFile(symbol)) report(id, "cap-build", `${id.text}() ${CAP_BUILD_GLOBALS.get(id.text)}`);
      return;
    }
    if (!MISSING_GLOBALS.has(id.text) || !isValueReference(id)) return;
    const symbol = checker.getSymbolAtLocation(id);
    if (!symbol || isFromDeclarationFile(symbol)) {
      report(id, "missing-builtin", `${id.text} is not a global on Espruino 2v29 (ReferenceError); ${missingGlobalAdvice(id.text)}`);
    }
  }

  function receiverKind(type) {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return "any";
    if (type.isUnion()) {
      const kinds = new Set(type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null))).map(receiverKind));
      return kinds.size === 1 ? [...kinds][0] : "other";
    }
    if (type.flags & ts.TypeFlags.StringLike) return "string";
    if (checker.isArrayType(type) || checker.isTupleType(type)) return "array";
    const name = type.symbol?.name ?? "";
    if (name === "Array" || name === "ReadonlyArray") return "array";
    if (name === "String") return "string";
    if (TYPED_ARRAY_NAMES.has(name)) return "typedArray";
    if (name === "ArrayBuffer") return "arrayBuffer";
    return "other";
  }

  function checkMember(node, receiver, member, nameNode) {
    // Array.prototype.slice and friends read as undefined on Espruino (methods are not on the prototype).
    if (ts.isPropertyAccessExpression(receiver) && receiver.name.text === "prototype" && ts.isIdentifier(receiver.expression) &&
      PROTOTYPE_UNREACHABLE.has(receiver.expression.text)) {
      const sym = checker.getSymbolAtLocation(receiver.expression);
      const assigned = ts.isBinaryExpression(node.parent) && node.parent.left === node && node.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
      if ((!sym || isFromDeclarationFile(sym)) && !assigned) {
        report(node, "prototype-method", `${receiver.expression.text}.prototype.${member} is undefined on Espruino 2v29 (built-in methods are not on the prototype); call the method on an instance, e.g. [].slice.call(x)`);
        return;
      }
    }
    // Static members on built-in constructors: by the checker's type of the receiver (also catches aliases).
    const recvType = checker.getTypeAtLocation(receiver);
    const ctorName = CONSTRUCTOR_TYPE_NAMES.get(recvType.symbol?.name ?? "") ??
      (ts.isIdentifier(receiver) && MISSING_STATICS.has(receiver.text) && !checker.getSymbolAtLocation(receiver) ? receiver.text : undefined);
    if (ctorName && MISSING_STATICS.get(ctorName)?.has(member)) {
      report(nameNode, "missing-builtin", `${ctorName}.${member} does not exist on Espruino 2v29`);
      return;
    }
    const capName = ctorName ?? (ts.isIdentifier(receiver) && CAP_BUILD_STATICS.has(receiver.text) &&
      (!checker.getSymbolAtLocation(receiver) || isFromDeclarationFile(checker.getSymbolAtLocation(receiver))) ? receiver.text : undefined);
    const capWhy = capName && CAP_BUILD_STATICS.get(capName)?.get(member);
    if (capWhy) {
      report(nameNode, "cap-build", `${capName}.${member} ${capWhy}`);
      return;
    }
    const kind = receiverKind(recvType);
    const missing = kind === "any" ? (MISSING_METHODS_ANY_RECEIVER.has(member) ? true : false) : MISSING_METHODS[kind]?.has(member);
    if (missing) {
      const what = kind === "any" ? "" : { array: "Array", string: "String", typedArray: "typed array", arrayBuffer: "ArrayBuffer" }[kind] + " ";
      report(nameNode, "missing-builtin", `${what}method ${member}() does not exist on Espruino 2v29`);
    }
  }

  // Espruino has no per-iteration binding: closures created in a loop all see the last value of a
  // let/const declared in the loop head. A let/const declared inside the body is fine (measured).
  function checkLoopHeadCaptures(loop) {
    const init = loop.initializer;
    if (!init || !ts.isVariableDeclarationList(init) || !(init.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) return;
    const symbols = new Set();
    const collect = (name) => {
      if (ts.isIdentifier(name)) { const s = checker.getSymbolAtLocation(name); if (s) symbols.add(s); }
      else for (const el of name.elements) if (!ts.isOmittedExpression(el)) collect(el.name);
    };
    for (const d of init.declarations) collect(d.name);
    const parts = ts.isForStatement(loop) ? [loop.condition, loop.incrementor, loop.statement] : [loop.statement];
    const seen = new Set();
    const inFunction = (node, depth) => {
      if (ts.isIdentifier(node) && depth > 0) {
        const s = checker.getSymbolAtLocation(node);
        if (s && symbols.has(s) && !seen.has(node.pos)) {
          seen.add(node.pos);
          report(node, "loop-closure", `closure captures '${node.text}' declared in the loop head (Espruino has no per-iteration binding: every closure sees the last value); copy it into a const inside the loop body or use forEach`);
        }
      }
      const d = ts.isFunctionLike(node) || ts.isClassLike(node) ? depth + 1 : depth;
      ts.forEachChild(node, (c) => inFunction(c, d));
    };
    for (const p of parts) if (p) inFunction(p, 0);
  }

  visit(sf);
}
