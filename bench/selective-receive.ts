/**
 * selective receive: a raw process with `messages` queued messages receives the
 * last one by `match`, then all the others in order with plain receives: total
 * time. The same at a tenth of the size gives the growth, which a quadratic rescan
 * (or an O(n) removal per message) would push towards 100×; linear is 10×.
 */
import { Runtime } from '../src/index.js';
import { Proc, System } from './baseline/system.js';
import { check, compare, main, now, param, report, type Sample, signal } from './lib/harness.js';

const MESSAGES = param('messages', 100_000, 2_000);
const REPS = param('reps', 5, 1);

/** The receiving side, the same for both: the last by match, then the rest in order. */
async function drain(
  n: number,
  receive: (match?: (m: unknown) => boolean) => Promise<unknown>,
): Promise<boolean> {
  const last = await receive((m) => m === n - 1);
  let inOrder = last === n - 1;
  for (let i = 0; i < n - 1; i++) if ((await receive()) !== i) inOrder = false;
  return inOrder;
}

async function otpOnce(n: number): Promise<number> {
  const rt = new Runtime({ logger: false });
  const gate = signal();
  const done = signal<{ t: number; inOrder: boolean }>();
  const pid = rt.spawn(async (self) => {
    await gate.promise;
    const inOrder = await drain(n, (match) => self.receive(match && { match }));
    done.resolve({ t: now(), inOrder });
  });
  for (let i = 0; i < n; i++) rt.send(pid, i);
  const t0 = now();
  gate.resolve();
  const { t, inOrder } = await done.promise;
  check(inOrder, 'the messages came in order');
  await rt.shutdown();
  return t - t0;
}

async function baselineOnce(n: number): Promise<number> {
  const system = new System();
  const gate = signal();
  const done = signal<{ t: number; inOrder: boolean }>();
  const proc = system.spawn(
    new Proc(system, async (self) => {
      await gate.promise;
      const inOrder = await drain(n, (match) => self.receive(match));
      done.resolve({ t: now(), inOrder });
    }),
  );
  for (let i = 0; i < n; i++) system.send(proc, i);
  const t0 = now();
  gate.resolve();
  const { t, inOrder } = await done.promise;
  check(inOrder, 'the messages came in order');
  system.shutdown();
  return t - t0;
}

/** Total ms at the full size, and its growth over a tenth of the size. */
async function sizes(once: (n: number) => Promise<number>, scale: number): Promise<Sample> {
  const n = Math.max(10, Math.round(MESSAGES * scale));
  const small = await once(Math.round(n / 10));
  const full = await once(n);
  return { value: full, small, growth: full / small };
}

main(async () => {
  const r = await compare(REPS, 'lower', {
    otp: (scale) => sizes(otpOnce, scale),
    baseline: (scale) => sizes(baselineOnce, scale),
  });
  report('selective-receive', [
    {
      metric: 'last by match, then the rest in order',
      unit: 'ms',
      better: 'lower',
      otp: r.otp.value,
      baseline: r.baseline.value,
    },
    {
      metric: 'growth, 10× the messages',
      unit: '×',
      better: 'lower',
      otp: r.otp.growth!,
      baseline: r.baseline.growth!,
      target: { kind: 'otp', op: '<=', value: 20, advisory: true },
      note: 'linear is 10×, quadratic 100×',
    },
  ]);
});
