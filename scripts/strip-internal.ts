/**
 * Removes `@internal` declarations from the bundled declaration files, as `stripInternal`
 * would, and writes each as both `.d.ts` and `.d.cts`: the entry points (dist/index.d.ts
 * for `otp-ts`, dist/observer.d.ts for `otp-ts/observer`, dist/testing.d.ts for
 * `otp-ts/testing`) and the chunk they share
 * (dist/runtime-<hash>.d.ts, which holds the declarations both use, so that a
 * `TestRuntime` is a `Runtime` of the same declaration).
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
/** The declaration files of the package's entry points; every other .d.ts is a shared chunk. */
const ENTRIES = ['index.d.ts', 'observer.d.ts', 'testing.d.ts'];
let input = '';

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

/** The stripped text of each file, chunks first. */
const stripped = new Map<string, string>();

/** Strips one file; a chunk's exports of what was stripped are dropped with it. */
function strip(file: string, chunk: boolean): string {
  input = join(dist, file);
  // Imports from chunks already stripped drop what is gone there: an entry's imports,
  // and a chunk's from another chunk (the chunks go in the order they import).
  let text = dropStrippedImports(readFileSync(input, 'utf8'));
  for (let round = 0; ; round++) {
    if (round > 100) throw new Error(`strip-internal: the declarations of ${file} do not settle`);
    const edits = pass(text);
    if (chunk && edits.length === 0) edits.push(...danglingExports(text));
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
  if (!chunk) {
    const final = ts.createSourceFile(input, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const names = new Set(final.statements.flatMap(declaredNames));
    for (const statement of final.statements) {
      if (!ts.isImportDeclaration(statement)) continue;
      const bindings = statement.importClause?.namedBindings;
      if (bindings !== undefined && ts.isNamedImports(bindings))
        for (const element of bindings.elements) names.add(element.name.text);
    }
    for (const statement of final.statements) {
      if (!ts.isExportDeclaration(statement) || statement.moduleSpecifier !== undefined) continue;
      const clause = statement.exportClause;
      if (clause === undefined || !ts.isNamedExports(clause)) continue;
      for (const element of clause.elements) {
        const local = (element.propertyName ?? element.name).getText();
        if (!names.has(local)) {
          throw new Error(
            `strip-internal: ${local} is exported but marked @internal in the sources`,
          );
        }
      }
    }
  }
  if (text.includes('@internal')) {
    throw new Error(`strip-internal: an @internal comment is left in ${input}`);
  }
  return text;
}

/**
 * An entry point (or a chunk) imports from a chunk, under their own names, declarations
 * that were stripped there (`ListedWatcher`, which `From` implements): drop those
 * imports, so that the passes see the names as gone, as they would be in a single file.
 */
function dropStrippedImports(text: string): string {
  const file = ts.createSourceFile(input, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: Edit[] = [];
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const bindings = statement.importClause?.namedBindings;
    const from = (statement.moduleSpecifier as ts.StringLiteral).text;
    const chunk = from.startsWith('./')
      ? stripped.get(from.slice(2).replace(/\.js$/, '.d.ts'))
      : undefined;
    if (chunk === undefined || bindings === undefined || !ts.isNamedImports(bindings)) continue;
    const exported = exportedNames(chunk);
    const kept = bindings.elements.filter((e) => exported.has((e.propertyName ?? e.name).text));
    if (kept.length === bindings.elements.length) continue;
    edits.push({
      start: bindings.getStart(),
      end: bindings.end,
      text: `{ ${kept.map((e) => e.getText()).join(', ')} }`,
    });
  }
  edits.sort((a, b) => b.start - a.start);
  for (const edit of edits) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  return text;
}

/** The names a chunk exports (its aliases). */
function exportedNames(text: string): Set<string> {
  const file = ts.createSourceFile(
    'chunk.d.ts',
    text,
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.TS,
  );
  const names = new Set<string>();
  for (const statement of file.statements) {
    const clause = ts.isExportDeclaration(statement) ? statement.exportClause : undefined;
    if (clause !== undefined && ts.isNamedExports(clause))
      for (const element of clause.elements) names.add(element.name.text);
  }
  return names;
}

/**
 * A chunk exports, under short aliases, every declaration an entry point imports from it,
 * internal ones included: drop the aliases of declarations that are gone.
 */
function danglingExports(text: string): Edit[] {
  const file = ts.createSourceFile(input, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const names = new Set(file.statements.flatMap(declaredNames));
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings !== undefined && ts.isNamedImports(bindings))
      for (const element of bindings.elements) names.add(element.name.text);
    if (statement.importClause?.name !== undefined) names.add(statement.importClause.name.text);
  }
  const edits: Edit[] = [];
  for (const statement of file.statements) {
    if (!ts.isExportDeclaration(statement) || statement.moduleSpecifier !== undefined) continue;
    const clause = statement.exportClause;
    if (clause === undefined || !ts.isNamedExports(clause)) continue;
    const kept = clause.elements.filter((e) => names.has((e.propertyName ?? e.name).getText()));
    if (kept.length === clause.elements.length) continue;
    edits.push({
      start: clause.getStart(),
      end: clause.end,
      text: `{ ${kept.map((e) => e.getText()).join(', ')} }`,
    });
  }
  return edits;
}

const files = readdirSync(dist).filter((f) => f.endsWith('.d.ts'));
for (const entry of ENTRIES) {
  if (!files.includes(entry)) throw new Error(`strip-internal: ${join(dist, entry)} is missing`);
}
const chunkFiles = files.filter((f) => !ENTRIES.includes(f));
/** The chunks a declaration file imports. */
const importsOf = (file: string): string[] =>
  [...readFileSync(join(dist, file), 'utf8').matchAll(/from '\.\/([^']+)\.js'/g)]
    .map((m) => `${m[1]}.d.ts`)
    .filter((f) => chunkFiles.includes(f));
// The chunks first, each after the chunks it imports: an importer then sees which of
// its imports are gone.
const chunks: string[] = [];
const visit = (file: string, path: string[]): void => {
  if (chunks.includes(file)) return;
  if (path.includes(file))
    throw new Error(`strip-internal: chunks import each other: ${path.join(' -> ')}`);
  for (const dep of importsOf(file)) visit(dep, [...path, file]);
  chunks.push(file);
};
for (const file of chunkFiles) visit(file, []);
for (const file of chunks) stripped.set(file, strip(file, true));
for (const file of chunks) writeFileSync(join(dist, file), stripped.get(file)!);
for (const file of ENTRIES) stripped.set(file, strip(file, false));
let size = 0;
for (const [file, text] of stripped) {
  writeFileSync(join(dist, file), text);
  // The CommonJS twin imports the CommonJS twins of the chunks: a `.d.cts` that imported
  // a `.d.ts` of this ES-module package would be importing an ES module.
  const cts = text.replace(/(from '\.\/[^']+)\.js'/g, "$1.cjs'");
  writeFileSync(join(dist, file.replace(/\.d\.ts$/, '.d.cts')), cts);
  size += text.length;
}
console.log(
  `strip-internal: removed ${internalCount} @internal declarations and ${unusedCount} unused ones from ${[...stripped.keys()].join(', ')}, and wrote their .d.cts twins (${(size / 1024).toFixed(1)} KB)`,
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
