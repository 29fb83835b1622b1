// The dependency rules of otp-ts, checked by `npm run lint:deps` (and so by `npm run lint`).
//
// The layers, lowest first; a file may import from its own layer or a lower one, never higher:
//
//   core        src/core/*, and the public-type files src/types.ts, src/errors.ts,
//               src/logger.ts, src/describe.ts, which core itself uses
//   kernel      src/core/kernel.ts: the one door from the layers above into core
//   behaviours  src/behaviours/
//   services    src/dist/, src/observer/, src/testing/ (same door into core as behaviours);
//               in src/dist/, the node layer (node.ts, node/, codec.ts) below the carriers
//   entries     src/index.ts, src/observer/index.ts, src/testing/index.ts: for users only
//   examples    examples/: through the entries, as users import the package
//
// Paths are matched after resolution (tsconfig paths included, so `otp-ts` is src/index.ts),
// so no spelling of an import path gets around a rule. Type-only imports count
// (`tsPreCompilationDeps`), `import('…').T` type references included: a type cycle is still
// a cycle for a reader, and one `type` keyword dropped makes it a runtime one.

/** The files that hold the public types and helpers every layer shares. */
const PUBLIC_TYPE_FILES = '^src/(types|errors|logger|describe)[.]ts$';
/** Folders above core (present or planned). */
const ABOVE_CORE = '^src/(behaviours|dist|observer|testing)/';
/** The package's entry points: what users import. */
const ENTRIES = '^src/(index|observer/index|testing/index)[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No import cycles in src/, type-only imports included. Break one by moving what both ' +
        'files need into a lower file (often a types-only module) that both import.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'pid-is-a-leaf',
      severity: 'error',
      comment:
        'src/core/pid.ts imports nothing but Node.js built-ins (it uses node:util for ' +
        'inspect.custom): every other file may import it without risking a cycle.',
      from: { path: '^src/core/pid[.]ts$' },
      to: { dependencyTypesNot: ['core'] },
    },
    {
      name: 'core-imports-no-layer-above',
      severity: 'error',
      comment:
        'The core (src/core/ and the public-type files it uses) imports nothing from ' +
        'behaviours, dist, observer, testing, the entry points or the examples.',
      from: { path: ['^src/core/', PUBLIC_TYPE_FILES] },
      to: { path: [ABOVE_CORE, ENTRIES, '^examples/'] },
    },
    {
      name: 'core-does-not-import-kernel',
      severity: 'error',
      comment:
        'kernel.ts is the door out of core, built on the other core files; a core file ' +
        'that imports it points the dependency the wrong way (and nearly always closes a cycle).',
      from: { path: '^src/core/', pathNot: '^src/core/kernel[.]ts$' },
      to: { path: '^src/core/kernel[.]ts$' },
    },
    {
      name: 'only-through-kernel',
      severity: 'error',
      comment:
        'behaviours/ (and dist/, observer/, testing/) use core only through ' +
        'src/core/kernel.ts, plus the public-type files src/types.ts, src/errors.ts, ' +
        'src/logger.ts and src/describe.ts.',
      from: { path: ABOVE_CORE },
      to: { path: '^src/core/', pathNot: '^src/core/kernel[.]ts$' },
    },
    {
      name: 'behaviours-below-services',
      severity: 'error',
      comment: 'behaviours/ imports nothing from dist/, observer/ or testing/, which build on it.',
      from: { path: '^src/behaviours/' },
      to: { path: '^src/(dist|observer|testing)/' },
    },
    {
      name: 'node-layer-below-carriers',
      severity: 'error',
      comment:
        'src/dist/node.ts and src/dist/node/ (the node layer and its control messages) and ' +
        'src/dist/codec.ts know no carrier: the carriers (src/dist/carriers/: threads, then ' +
        'TCP) build on them, so that a new carrier slots in beside the others without ' +
        'touching them.',
      from: { path: '^src/dist/(node[.]ts$|node/|codec[.]ts$)' },
      to: { path: '^src/dist/carriers/' },
    },
    {
      name: 'carriers-apart',
      severity: 'error',
      comment: 'A carrier does not import another carrier: each reaches nodes its own way.',
      from: { path: '^src/dist/carriers/([^/]+)[.]ts$' },
      to: { path: '^src/dist/carriers/', pathNot: '^src/dist/carriers/$1[.]ts$' },
    },
    {
      name: 'entries-are-for-users',
      severity: 'error',
      comment:
        'No file in src/ imports an entry point (src/index.ts, src/observer/index.ts, ' +
        'src/testing/index.ts): import the file that defines the thing instead. (The ' +
        'observer may name the core entry in type-only imports: next rule.)',
      from: { path: '^src/', pathNot: '^src/observer/' },
      to: { path: ENTRIES },
    },
    {
      name: 'observer-names-the-core-entry-by-type-only',
      severity: 'error',
      comment:
        'src/observer/ imports no entry point, except `import type` from `otp-ts` (the ' +
        "core's public types, so that the observer's declarations refer to the package " +
        'as users import it; erased from the bundle).',
      from: { path: '^src/observer/' },
      to: { path: ENTRIES, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'observer-is-apart',
      severity: 'error',
      comment:
        'Nothing outside src/observer/ (core, behaviours, dist, testing) imports it: the ' +
        'core stays free of its code. Users reach it through `otp-ts/observer` alone.',
      from: { path: '^src/', pathNot: '^src/observer/' },
      to: { path: '^src/observer/' },
    },
    {
      name: 'observer-has-no-dependencies',
      severity: 'error',
      comment:
        'The observer uses Node.js built-ins (node:http, server-sent events) and the ' +
        'core, no npm package: the page is a static string with no framework.',
      from: { path: '^src/observer/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg'] },
    },
    {
      name: 'examples-import-the-package',
      severity: 'error',
      comment:
        'examples/ import from the package root (`otp-ts`, which is src/index.ts) or its ' +
        'subpaths (src/observer/index.ts, src/testing/index.ts), as users do: nothing else ' +
        'from src/, nor the build output in dist/.',
      from: { path: '^examples/' },
      to: { path: '^(src|dist)/', pathNot: ENTRIES },
    },
    {
      name: 'testing-kit-needs-no-test-tools',
      comment:
        'otp-ts/testing ships to users: it runs on the core and behaviours alone, never on a ' +
        'test framework or a property-testing library (vitest, fast-check), which stay ' +
        'devDependencies used by our own tests and examples.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: 'node_modules/(vitest|@vitest|fast-check)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'Every import resolves; otherwise the rules above cannot see where it goes (for a new ' +
        'subpath such as `otp-ts/testing`, add it to `paths` in tsconfig.json).',
      from: { path: ['^src/', '^examples/'] },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
