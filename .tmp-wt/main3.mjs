import { Worker } from 'node:worker_threads';

const t = Date.now();
const w = new Worker(new URL('./a.ts', import.meta.url), {
  execArgv: ['--import', new URL('../bench/lib/register.mjs', import.meta.url).href],
});
w.on('message', (m) => {
  console.log('got', m, Date.now() - t);
  w.terminate();
});
w.on('error', (e) => console.log('err', e.message));
