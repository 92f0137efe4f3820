// Property-name mangling for the firmware bundle, restricted to names that are provably the firmware's own
// (docs/espruino-gate.md, "Property mangling"). esbuild's mangleProps renames every occurrence of a matched
// name in the whole bundle, so a name qualifies only if *no* occurrence of it can reach code outside the
// bundle: the interpreter's natives (NRF, Storage, setWatch, E, JSON, console...), the REPL, the simulator.
//
// candidates = names of members declared in the program's own sources (not .d.ts, not node_modules):
//              class properties/methods/accessors, interface and type-literal members, object-literal keys.
// excluded   = every name declared in a declaration file the program loads (lib.*.d.ts, @types/espruino,
//              firmware/types/*.d.ts), and every name that occurs somewhere it may be seen from outside:
//              - a property access whose symbol is unknown (`any` receiver) or declared outside own sources;
//              - an object-literal key whose contextual type is `any` or whose contextual property is not own;
//              - a string-literal element access or `in` test (`o["name"]`, `"name" in o`): esbuild keeps
//                quoted names (mangleQuoted: false), so the same name elsewhere must stay too;
//              - any property (deep) of a value that crosses the boundary: an argument of a call whose
//                signature is not own (JSON.stringify(x), console.log(x), NRF.setServices(x), a callback's
//                parameter and return types), the right side of an assignment to a non-own property;
//              - enum members (their names are data: E[E.A = 0] = "A"), and RESERVED below.
import ts from "typescript";
import path from "node:path";

/**
 * Names never mangled, whatever the analysis says (belt and braces: each is also an Espruino/JS name that
 * native code reads from plain objects, so renaming it would break behaviour silently if the types lied).
 * - code, message: errors are plain objects {code, message} printed by console.log / the uncaught handler.
 * - state, time, lastTime, data: setWatch / BLE event fields filled in by natives.
 * - x, y, z: Puck.mag() readings.  - value, notify, indicate, readable, writable: NRF characteristic options.
 * - toJSON, toString, valueOf, then, length, prototype, constructor: read by the interpreter itself.
 */
export const RESERVED = Object.freeze([
  "code", "message", "state", "time", "lastTime", "data", "x", "y", "z", "value", "notify", "indicate",
  "readable", "writable", "toJSON", "toString", "valueOf", "then", "length", "prototype", "constructor",
]);

const isDts = (sf) => sf.isDeclarationFile;
const isLibPath = (f) => f.includes(`${path.sep}node_modules${path.sep}`) || f.includes("/node_modules/");

/** The text of a property name node, or undefined for computed/private names. */
function nameText(n) {
  if (!n) return undefined;
  if (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return n.text;
  return undefined;
}

/**
 * Collects the names the bundle may mangle.
 * @param {ts.Program} program the gate's program (firmware tsconfig + checker)
 * @returns {{ mangle: string[], reserved: string[], candidates: string[], external: string[] }}
 *   mangle: own names safe to rename (sorted); reserved: names esbuild must neither rename nor generate.
 */
export function collectMangleNames(program) {
  const checker = program.getTypeChecker();
  const own = program.getSourceFiles().filter((sf) => !isDts(sf) && !isLibPath(path.resolve(sf.fileName)));
  const ownSet = new Set(own);
  const isOwnDecl = (d) => ownSet.has(d.getSourceFile());
  const isOwnSymbol = (s) => !!s && (s.declarations ?? []).length > 0 && s.declarations.every(isOwnDecl);

  const candidates = new Set();
  const excluded = new Set(RESERVED);
  const external = new Set(); // names declared in declaration files

  // 1. Every declared name in every declaration file the program loads (parameters and type parameters
  //    aside: they are not properties).
  for (const sf of program.getSourceFiles()) {
    if (!isDts(sf) && !isLibPath(path.resolve(sf.fileName))) continue;
    const visit = (n) => {
      if (n.name && !ts.isParameter(n) && !ts.isTypeParameterDeclaration(n)) {
        const t = nameText(n.name);
        if (t !== undefined) external.add(t);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }

  // 1b. Ambient declarations written inside firmware files (`declare const E: { getAddressOf(...) }`,
  //     `declare function require(...)`): they describe the interpreter's API, so every property name of
  //     their types is external too, even when the type is an interface declared next to them.
  const ambientSeen = new Set();
  const ambientType = (type, depth) => {
    if (!type || depth > 4 || ambientSeen.has(type)) return;
    ambientSeen.add(type);
    if (type.isUnionOrIntersection()) {
      for (const t of type.types) ambientType(t, depth + 1);
      return;
    }
    for (const p of checker.getPropertiesOfType(type)) {
      external.add(p.name);
      const d = p.valueDeclaration ?? p.declarations?.[0];
      if (d) ambientType(checker.getTypeOfSymbolAtLocation(p, d), depth + 1);
    }
  };
  for (const sf of own) {
    for (const st of sf.statements) {
      const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) ?? [] : [];
      if (!mods.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) continue;
      const visit = (n) => {
        if (n.name && !ts.isParameter(n) && !ts.isTypeParameterDeclaration(n)) {
          const t = nameText(n.name);
          if (t !== undefined) external.add(t);
        }
        if (ts.isVariableDeclaration(n) || ts.isFunctionDeclaration(n)) ambientType(checker.getTypeAtLocation(n), 0);
        ts.forEachChild(n, visit);
      };
      visit(st);
    }
  }

  // Deep walk of a type crossing the boundary: its own property names (and their types), call signatures'
  // parameter and return types, type arguments (arrays of own objects).
  const seen = new Set();
  const exposeType = (type, depth) => {
    if (!type || depth > 6 || seen.has(type)) return;
    seen.add(type);
    if (type.isUnionOrIntersection()) {
      for (const t of type.types) exposeType(t, depth + 1);
      return;
    }
    if (!(type.flags & ts.TypeFlags.Object)) return;
    if (type.objectFlags & ts.ObjectFlags.Reference) for (const a of checker.getTypeArguments(type) ?? []) exposeType(a, depth + 1);
    for (const p of checker.getPropertiesOfType(type)) {
      if (!(p.declarations ?? []).some(isOwnDecl)) continue;
      excluded.add(p.name);
      const first = p.valueDeclaration ?? p.declarations[0];
      exposeType(checker.getTypeOfSymbolAtLocation(p, first), depth + 1);
    }
    for (const kind of [ts.SignatureKind.Call, ts.SignatureKind.Construct]) {
      for (const sig of checker.getSignaturesOfType(type, kind)) {
        for (const prm of sig.getParameters()) {
          const d = prm.valueDeclaration ?? prm.declarations?.[0];
          if (d) exposeType(checker.getTypeOfSymbolAtLocation(prm, d), depth + 1);
        }
        exposeType(sig.getReturnType(), depth + 1);
      }
    }
  };
  // An expression's type, and for literals each part's own type too (`[a, b]` may be typed any[] as a whole).
  const exposeExpr = (e) => {
    exposeType(checker.getTypeAtLocation(e), 0);
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e)) exposeExpr(e.expression);
    else if (ts.isArrayLiteralExpression(e)) for (const el of e.elements) exposeExpr(ts.isSpreadElement(el) ? el.expression : el);
    else if (ts.isObjectLiteralExpression(e)) {
      for (const p of e.properties) {
        if (ts.isPropertyAssignment(p)) exposeExpr(p.initializer);
        else if (ts.isShorthandPropertyAssignment(p)) exposeExpr(p.name);
        else if (ts.isSpreadAssignment(p)) exposeExpr(p.expression);
      }
    } else if (ts.isConditionalExpression(e)) { exposeExpr(e.whenTrue); exposeExpr(e.whenFalse); }
    else if (ts.isBinaryExpression(e) && [ts.SyntaxKind.BarBarToken, ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.CommaToken].includes(e.operatorToken.kind)) { exposeExpr(e.left); exposeExpr(e.right); }
  };
  const isAnyish = (t) => !!(t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown));
  // A slot type that forgets what is put into it.
  const isErasing = (t) => {
    if (isAnyish(t) || t.flags & (ts.TypeFlags.TypeParameter | ts.TypeFlags.NonPrimitive)) return true;
    if (t.isUnion()) return t.types.some(isErasing);
    if (t.flags & ts.TypeFlags.Object) {
      const sym = t.getSymbol();
      if (sym && sym.name === "Object" && !(sym.declarations ?? []).some(isOwnDecl)) return true;
      return checker.getPropertiesOfType(t).length === 0 && checker.getSignaturesOfType(t, ts.SignatureKind.Call).length === 0 &&
        checker.getIndexInfosOfType(t).length === 0 && !(t.objectFlags & ts.ObjectFlags.Reference); // `{}`
    }
    return false;
  };
  // `undefined as unknown as T` (a placeholder until boot) carries no outside names.
  const isNothing = (e) => {
    while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
    return e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === "undefined") || ts.isVoidExpression(e);
  };
  // Places where a value flows into a typed slot (contextual type): initializer, argument, return, assignment.
  const isValuePosition = (e) => {
    const p = e.parent;
    return (ts.isVariableDeclaration(p) && p.initializer === e) || ((ts.isCallExpression(p) || ts.isNewExpression(p)) && p.arguments?.includes(e)) ||
      (ts.isReturnStatement(p) && p.expression === e) || (ts.isArrowFunction(p) && p.body === e) ||
      (ts.isBinaryExpression(p) && p.right === e && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) ||
      (ts.isPropertyAssignment(p) && p.initializer === e) || ts.isArrayLiteralExpression(p) || ts.isPropertyDeclaration(p);
  };

  // A contextual property symbol for an object-literal key (through unions), or undefined.
  const contextualProps = (lit, name) => {
    const ctx = checker.getContextualType(lit);
    if (!ctx) return { ctx };
    const types = ctx.isUnion() ? ctx.types : [ctx];
    const props = [];
    let anyLike = false;
    for (const t of types) {
      if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) anyLike = true;
      const p = checker.getPropertyOfType(t, name);
      if (p) props.push(p);
      else if (checker.getIndexInfosOfType(t).length) anyLike = true; // index signature: a record, keys are data
    }
    return { ctx, props, anyLike };
  };

  for (const sf of own) {
    const visit = (n) => {
      // Candidates: own member declarations.
      if ((ts.isPropertyDeclaration(n) || ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n) ||
        ts.isPropertySignature(n) || ts.isMethodSignature(n) || ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) && n.name) {
        const t = nameText(n.name);
        if (t !== undefined) {
          candidates.add(t);
          if (!ts.isIdentifier(n.name)) excluded.add(t); // "quoted": key kept by esbuild
        }
      }
      if (ts.isEnumMember(n)) { const t = nameText(n.name); if (t !== undefined) excluded.add(t); }

      // Object-literal keys: the contextual type decides whether the object is ours.
      if (ts.isObjectLiteralExpression(n)) {
        for (const prop of n.properties) {
          const t = nameText(prop.name);
          if (t === undefined) continue;
          const { ctx, props, anyLike } = contextualProps(n, t);
          if (!ctx) continue; // inferred: an own type; where it flows out is caught at the boundary
          if (anyLike || props.length === 0 || !props.every(isOwnSymbol)) {
            excluded.add(t);
            if (prop.initializer) exposeExpr(prop.initializer);
            else if (ts.isShorthandPropertyAssignment(prop)) exposeExpr(prop.name);
            else if (ts.isMethodDeclaration(prop)) exposeExpr(prop);
          }
        }
      }

      // Property accesses: known own symbol only.
      if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.name)) {
        const s = checker.getSymbolAtLocation(n.name);
        if (!isOwnSymbol(s)) excluded.add(n.name.text);
      }
      // Quoted accesses and `in` tests are never mangled by esbuild: keep the name everywhere.
      if (ts.isElementAccessExpression(n) && (ts.isStringLiteral(n.argumentExpression) || ts.isNoSubstitutionTemplateLiteral(n.argumentExpression))) {
        excluded.add(n.argumentExpression.text);
      }
      if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.InKeyword && ts.isStringLiteral(n.left)) excluded.add(n.left.text);

      // Calls into code that is not ours: everything reachable from the arguments is exposed.
      if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && n.arguments?.length) {
        const sig = checker.getResolvedSignature(n);
        const decl = sig?.declaration;
        if (!decl || !ownSet.has(decl.getSourceFile())) for (const a of n.arguments) exposeExpr(a);
      }
      // Assignments to a property that is not ours (`anyObj.value = data`, `NRF.foo = f`).
      if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        (ts.isPropertyAccessExpression(n.left) || ts.isElementAccessExpression(n.left))) {
        const target = ts.isPropertyAccessExpression(n.left) ? checker.getSymbolAtLocation(n.left.name) : undefined;
        if (!isOwnSymbol(target)) exposeExpr(n.right);
      }
      // Declarations typed `any` with an initializer (`const o: any = {...}`) are caught by the
      // object-literal rule (contextual type any); a throw leaves the bundle for the uncaught handler.
      if (ts.isThrowStatement(n) && n.expression) exposeExpr(n.expression);
      // Values from outside given an own type: `NRF as NrfApi`, `const c: Config = readJSON(...)`, an `any`
      // argument to an own parameter, `return anyValue`. Their names were made by someone else.
      if (ts.isAsExpression(n) || ts.isTypeAssertionExpression(n)) {
        if (isAnyish(checker.getTypeAtLocation(n.expression)) && !isNothing(n.expression)) exposeType(checker.getTypeFromTypeNode(n.type), 0);
      } else if (ts.isExpression(n) && !isNothing(n) && !ts.isAsExpression(n.parent) && !ts.isTypeAssertionExpression(n.parent) &&
        isValuePosition(n)) {
        const ctx = checker.getContextualType(n);
        if (ctx) {
          const t = checker.getTypeAtLocation(n);
          if (isAnyish(t)) { if (!isErasing(ctx)) exposeType(ctx, 0); }
          // ...and own values handed to a slot that forgets their type (`v: unknown`, `any`, `object`, a type
          // parameter): from there on they may reach JSON.stringify or a native unseen, so they are exposed.
          else if (isErasing(ctx)) exposeExpr(n);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }

  const mangle = [...candidates].filter((t) => !excluded.has(t) && !external.has(t) && /^[A-Za-z_$][\w$]*$/.test(t)).sort();
  // Short external names are reserved so that esbuild never generates them as a mangled name (a mangled
  // `on` or `id` on an own object could shadow what a native expects to find there).
  const reserved = [...new Set([...external, ...excluded])].filter((t) => /^[A-Za-z_$][\w$]*$/.test(t) && t.length <= 3).sort();
  return { mangle, reserved, candidates: [...candidates].sort(), external: [...external].filter((t) => candidates.has(t)).sort() };
}

/** A regexp matching exactly the given names (esbuild's mangleProps / reserveProps take a RegExp). */
export function exactNames(names) {
  if (!names.length) return undefined;
  return new RegExp(`^(?:${names.map((n) => n.replace(/\$/g, "\\$")).join("|")})$`);
}
