/**
 * `import(specifier)` that stays a real dynamic import in every build. The CommonJS
 * bundle's converter turns a literal `import()` into `require()`, which can neither
 * load an ES module nor take a file URL; so there (the only build whose own URL ends
 * in `.cjs`) the import is made by a function built at run time, which no converter
 * sees. From the sources and in the ES module build, the literal import is kept, so
 * that a test runner's or a loader's resolution still applies.
 * @internal
 */
export const dynamicImport: (specifier: string) => Promise<unknown> = import.meta.url.endsWith(
  '.cjs',
)
  ? (new Function('specifier', 'return import(specifier)') as (
      specifier: string,
    ) => Promise<unknown>)
  : (specifier) => import(specifier);
