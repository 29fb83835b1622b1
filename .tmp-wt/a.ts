import { isMainThread, parentPort } from 'node:worker_threads';
import { Runtime } from '../src/index.js';
export const x: number = 42;
if (!isMainThread) {
  const m = await import(new URL('./b.ts', import.meta.url).href);
  parentPort!.postMessage([m.y, typeof Runtime]);
}
