// `node --import ./bench/lib/register.mjs bench/ring.ts`: runs the benchmarks'
// TypeScript (and otp-ts's sources) through scripts/ts-loader.mjs.
import { register } from 'node:module';

register('../../scripts/ts-loader.mjs', import.meta.url);
