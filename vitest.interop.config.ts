import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:interop`: the checks against real Erlang and Elixir nodes (`erl`, `epmd`,
// `erlc` and `elixir` on the PATH; `.ci/run` installs Debian's erlang-nox and elixir when
// they are missing). Not part of
// `npm test`, whose config excludes test/interop/.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^otp-ts$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One Erlang node at a time: they share the host's epmd and the 2 cores.
    fileParallelism: false,
  },
});
