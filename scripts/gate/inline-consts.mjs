// Inlines module-level `const NAME = <number, boolean or short string literal>` at every use, across modules, before esbuild
// bundles. On Espruino every top-level binding left in the bundle is a variable in RAM for the life of the
// program (about one each), while a literal in the code stays in flash with the rest of the code: measured on
// a 2,950-variable 2v29 build, this is RAM the cap does not have to spare (docs/espruino-gate.md). esbuild does
// not do it across modules; the TypeScript checker knows exactly which identifier is which binding, so the
// rewrite is by symbol, never by name. Declarations left unused are dropped by esbuild's tree shaking.
import path from "node:path";
import ts from "typescript";

const isLibPath = (p) => p.includes(`${path.sep}node_modules${path.sep}`);

/** The literal text of an inlinable initializer, or undefined. */
function literalOf(init) {
  if (!init) return undefined;
  if (ts.isNumericLiteral(init)) return init.getText();
  // Short strings too: a copy in flash at each use is cheaper than a RAM binding (long ones stay bound).
  if (ts.isStringLiteral(init) && init.text.length <= 24) return JSON.stringify(init.text);
  if (init.kind === ts.SyntaxKind.TrueKeyword) return "true";
  if (init.kind === ts.SyntaxKind.FalseKeyword) return "false";
  if (ts.isPrefixUnaryExpression(init) && init.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(init.operand)) {
    return "-" + init.operand.getText();
  }
  return undefined;
}

/**
 * Edits that replace each use of an inlinable module-level constant by its literal.
 * @param {ts.Program} program the gate's program (source-check.mjs)
 * @returns {Map<string, { start: number, end: number, text: string }[]>} by absolute file path
 */
export function collectConstInlines(program) {
  const checker = program.getTypeChecker();
  const own = program.getSourceFiles().filter((sf) => !sf.isDeclarationFile && !isLibPath(path.resolve(sf.fileName)));
  /** @type {Map<ts.Declaration, string>} */
  const literals = new Map();
  for (const sf of own) {
    for (const st of sf.statements) {
      if (!ts.isVariableStatement(st)) continue;
      if (!(st.declarationList.flags & ts.NodeFlags.Const)) continue;
      const mods = ts.getModifiers(st) ?? [];
      if (mods.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) continue;
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || d.type) continue;
        const lit = literalOf(d.initializer);
        if (lit !== undefined) literals.set(d, lit);
      }
    }
  }
  const edits = new Map();
  for (const sf of own) {
    const list = [];
    const visit = (n) => {
      if (ts.isIdentifier(n)) {
        const parent = n.parent;
        const skip =
          (ts.isVariableDeclaration(parent) && parent.name === n) ||
          ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent) || ts.isImportClause(parent) ||
          ts.isNamespaceImport(parent) || (ts.isPropertyAccessExpression(parent) && parent.name === n) ||
          (ts.isPropertyAssignment(parent) && parent.name === n) || ts.isTypeReferenceNode(parent) ||
          ts.isTypeQueryNode(parent) || ts.isQualifiedName(parent);
        if (!skip) {
          let sym = ts.isShorthandPropertyAssignment(parent) ? checker.getShorthandAssignmentValueSymbol(parent) : checker.getSymbolAtLocation(n);
          if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
          const decl = sym?.valueDeclaration;
          const lit = decl ? literals.get(decl) : undefined;
          if (lit !== undefined) {
            const text = ts.isShorthandPropertyAssignment(parent) ? `${n.text}: (${lit})` : `(${lit})`;
            list.push({ start: n.getStart(sf), end: n.getEnd(), text });
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    if (list.length) edits.set(path.resolve(sf.fileName), list);
  }
  return edits;
}

/** Applies edits (non-overlapping) to a file's text. */
export function applyEdits(text, list) {
  const sorted = [...list].sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** An esbuild plugin that serves the edited sources; `tail.text` is appended to `tail.file` (the entry). */
export function inlineConstsPlugin(edits, tail) {
  return {
    name: "inline-consts",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const file = path.resolve(args.path);
        const list = edits.get(file);
        const extra = tail && tail.file === file ? tail.text : "";
        if (!list && !extra) return undefined;
        const fs = await import("node:fs");
        const text = fs.readFileSync(args.path, "utf8");
        return { contents: (list ? applyEdits(text, list) : text) + extra, loader: "ts" };
      });
    },
  };
}
