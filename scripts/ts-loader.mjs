/**
 * A module loader hook that runs TypeScript as the published build runs it: each
 * .ts file is transpiled by esbuild (what tsup builds dist/ with) for Node.js 20,
 * and nothing else. Used by the benchmarks (bench/lib/register.mjs) and by a peer's
 * worker thread when otp-ts runs from its sources (scripts/peer-register.mjs). tsx would do, but it compiles with esbuild's `keepNames`, which
 * wraps every named closure in a `__name(fn, "name")` call (an
 * `Object.defineProperty` each time the closure is created): a cost that the
 * published build does not have, and that would be charged to otp-ts in the
 * benchmarks. Imports written `./x.js` resolve to `./x.ts`, as in the sources, and
 * `otp-ts` to src/index.ts, as tsconfig.json's `paths` maps it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// esbuild comes with tsx, a devDependency: take tsx's copy, wherever npm put it.
const tsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
const { transform } = tsx('esbuild');

const root = new URL('../src/index.ts', import.meta.url).href;

const options = {
  loader: 'ts',
  format: 'esm',
  target: 'node20',
  // As tsconfig.json's ES2022 target implies, and as tsup compiles.
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: true, verbatimModuleSyntax: true } },
};

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'otp-ts') return { url: root, format: 'module', shortCircuit: true };
  const parent = context.parentURL;
  if (
    parent?.endsWith('.ts') &&
    specifier.endsWith('.js') &&
    (specifier.startsWith('./') || specifier.startsWith('../'))
  ) {
    const url = new URL(`${specifier.slice(0, -3)}.ts`, parent);
    if (existsSync(fileURLToPath(url)))
      return { url: url.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, 'utf8'), { ...options, sourcefile: path });
  return { format: 'module', source: code, shortCircuit: true };
}
