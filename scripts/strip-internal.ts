/**
 * Removes `@internal` declarations from the bundled declaration file, as `stripInternal`
 * would, and writes it as both dist/index.d.ts and dist/index.d.cts.
 *
 * Why not `stripInternal` itself: public classes implement internal interfaces
 * (`Self implements Runnable`, `From implements ExitWatcher, TimerEntry`). `stripInternal`
 * removes the interfaces but keeps the `implements` clauses, and the declaration bundler
 * then fails on the dangling names. So tsup bundles the declarations with everything in
 * them, and this script strips the result: `@internal` members and statements, then the
 * heritage entries, imports and private declarations nothing refers to any more.
 *
 * Run by `npm run build` after tsup: `tsx scripts/strip-internal.ts [dist]`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const dist = process.argv[2] ?? 'dist';
const input = join(dist, 'index.d.ts');

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** As TypeScript decides for `stripInternal`: the last comment before the node says `@internal`. */
function isInternal(node: ts.Node, text: string): boolean {
  const ranges = ts.getLeadingCommentRanges(text, node.pos);
  const last = ranges?.at(-1);
  return last !== undefined && text.slice(last.pos, last.end).includes('@internal');
}

function declaredNames(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) =>
      ts.isIdentifier(d.name) ? [d.name.text] : [],
    );
  }
  const name = (statement as { name?: ts.Node }).name;
  return name !== undefined && ts.isIdentifier(name) ? [name.text] : [];
}

function isExported(statement: ts.Statement): boolean {
  return (
    ts.canHaveModifiers(statement) &&
    (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

let internalCount = 0;
let unusedCount = 0;

/** One pass: returns the edits to make, or none when the text is final. */
function pass(text: string): Edit[] {
  const file = ts.createSourceFile(input, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: Edit[] = [];
  const remove = (node: ts.Node) =>
    edits.push({ start: node.getFullStart(), end: node.end, text: '' });

  // Every name declared at the top level or imported, and how often each identifier occurs.
  const declared = new Set<string>();
  for (const statement of file.statements) {
    for (const name of declaredNames(statement)) declared.add(name);
    if (ts.isImportDeclaration(statement)) {
      const bindings = statement.importClause?.namedBindings;
      if (bindings !== undefined && ts.isNamedImports(bindings))
        for (const element of bindings.elements) declared.add(element.name.text);
      if (statement.importClause?.name !== undefined)
        declared.add(statement.importClause.name.text);
    }
  }
  const occurrences = new Map<string, number>();
  const count = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) occurrences.set(node.text, (occurrences.get(node.text) ?? 0) + 1);
    node.forEachChild(count);
  };
  count(file);

  // 1. `@internal` statements and members.
  const visitMembers = (node: ts.Node): void => {
    const members =
      ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeLiteralNode(node)
        ? node.members
        : undefined;
    if (members !== undefined) {
      for (const member of members) {
        if (isInternal(member, text)) remove(member);
        else visitMembers(member);
      }
      return;
    }
    node.forEachChild(visitMembers);
  };
  for (const statement of file.statements) {
    if (isInternal(statement, text)) remove(statement);
    else visitMembers(statement);
  }
  internalCount += edits.length;
  if (edits.length > 0) return edits;

  // 2. `implements` entries naming a declaration that is gone.
  for (const statement of file.statements) {
    if (!ts.isClassDeclaration(statement)) continue;
    for (const clause of statement.heritageClauses ?? []) {
      if (clause.token !== ts.SyntaxKind.ImplementsKeyword) continue;
      const kept = clause.types.filter(
        (t) => !ts.isIdentifier(t.expression) || declared.has(t.expression.text),
      );
      if (kept.length === clause.types.length) continue;
      edits.push({
        start: clause.getFullStart(),
        end: clause.end,
        text: kept.length === 0 ? '' : ` implements ${kept.map((t) => t.getText()).join(', ')}`,
      });
    }
  }
  if (edits.length > 0) return edits;

  // 3. Private declarations and imports that nothing refers to any more.
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      if (clause === undefined || bindings === undefined || !ts.isNamedImports(bindings)) continue;
      const used = bindings.elements.filter((e) => (occurrences.get(e.name.text) ?? 0) > 1);
      if (used.length === bindings.elements.length) continue;
      if (used.length === 0 && clause.name === undefined) remove(statement);
      else
        edits.push({
          start: bindings.getStart(),
          end: bindings.end,
          text: `{ ${used.map((e) => e.getText()).join(', ')} }`,
        });
      continue;
    }
    if (isExported(statement) || ts.isExportDeclaration(statement)) continue;
    const names = declaredNames(statement);
    if (names.length === 0) continue;
    // A name declared twice (a value and a type, as `Timeout`) occurs once per declaration.
    const unused = names.every((name) => {
      const own = file.statements.filter((s) => declaredNames(s).includes(name)).length;
      return (occurrences.get(name) ?? 0) <= own;
    });
    if (unused) remove(statement);
  }
  unusedCount += edits.length;
  return edits;
}

let text = readFileSync(input, 'utf8');
for (let round = 0; ; round++) {
  if (round > 100) throw new Error('strip-internal: the declarations do not settle');
  const edits = pass(text);
  if (edits.length === 0) break;
  // Apply from the end so that earlier offsets stay valid; skip edits inside removed ranges.
  edits.sort((a, b) => b.start - a.start);
  let floor = Number.POSITIVE_INFINITY;
  for (const edit of edits) {
    if (edit.end > floor) continue;
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
    floor = edit.start;
  }
}
const final = ts.createSourceFile(input, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
const names = new Set(final.statements.flatMap(declaredNames));
for (const statement of final.statements) {
  const clause = ts.isExportDeclaration(statement) ? statement.exportClause : undefined;
  if (clause === undefined || !ts.isNamedExports(clause)) continue;
  for (const element of clause.elements) {
    const local = (element.propertyName ?? element.name).getText();
    if (!names.has(local)) {
      throw new Error(`strip-internal: ${local} is exported but marked @internal in the sources`);
    }
  }
}
if (text.includes('@internal')) {
  throw new Error(`strip-internal: an @internal comment is left in ${input}`);
}
writeFileSync(input, text);
// A bundled declaration file has no relative imports, so the CommonJS one is the same text.
writeFileSync(join(dist, 'index.d.cts'), text);
// The observer's declarations import the core's types from 'otp-ts' and hold nothing
// internal (checked): the same text serves both formats.
const observer = readFileSync(join(dist, 'observer.d.ts'), 'utf8');
if (observer.includes('@internal')) {
  throw new Error(`strip-internal: an @internal comment is in ${join(dist, 'observer.d.ts')}`);
}
writeFileSync(join(dist, 'observer.d.cts'), observer);
console.log(
  `strip-internal: removed ${internalCount} @internal declarations and ${unusedCount} unused ones; wrote ${input} and index.d.cts (${(text.length / 1024).toFixed(1)} KB)`,
);

// esbuild's CommonJS code splitting names each bundle's own wrapper by its absolute path
// in the source map: make such sources relative to dist/, so a map names no build machine.
for (const file of readdirSync(dist).filter((f) => f.endsWith('.map'))) {
  const path = join(dist, file);
  const map = JSON.parse(readFileSync(path, 'utf8')) as { sources: string[] };
  const fixed = map.sources.map((source) =>
    isAbsolute(source) ? relative(resolve(dist), source) : source,
  );
  if (fixed.some((source, i) => source !== map.sources[i])) {
    map.sources = fixed;
    writeFileSync(path, JSON.stringify(map));
  }
}
