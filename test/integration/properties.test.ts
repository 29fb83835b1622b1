import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RestartIntensity } from '../../src/behaviours/supervision/intensity.js';
import {
  type ChildSpec,
  Down,
  Exit,
  type ExitReason,
  GenServer,
  noreply,
  Pid,
  type Ref,
  type RestartType,
  Runtime,
  type Self,
  type Strategy,
  Supervisor,
  stop,
  Timeout,
} from '../../src/index.js';
import { deferred } from '../helpers.js';

// The runtime's laws, stated as properties over random programs. Each run gets a fresh
// runtime, shut down at its end; runs are few and small so the file stays fast.

/** Runs `body` with a fresh, quiet runtime and shuts it down afterwards. */
async function withRuntime<T>(
  body: (rt: Runtime) => Promise<T>,
  opts: { budget?: number } = {},
): Promise<T> {
  const rt = new Runtime({ logger: false, ...opts });
  try {
    return await body(rt);
  } finally {
    await rt.shutdown({ timeout: 1000 });
  }
}

/** Lets other work run: `'micro'` a microtask later, `'macro'` after the event loop went round. */
type Yield = 'none' | 'micro' | 'macro';

async function pause(how: Yield): Promise<void> {
  if (how === 'micro') await Promise.resolve();
  else if (how === 'macro') await new Promise<void>((resolve) => setImmediate(resolve));
}

const yieldArb = fc.constantFrom<Yield>('none', 'micro', 'macro');

describe('message order', () => {
  interface Step {
    to: number;
    byName: boolean;
    before: Yield;
  }

  it('keeps the order of the messages from each sender to each receiver, however senders interleave', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(
          fc.array(
            fc.record({
              to: fc.nat({ max: 3 }),
              byName: fc.boolean(),
              before: yieldArb,
            }),
            { maxLength: 25 },
          ),
          { minLength: 1, maxLength: 5 },
        ),
        fc.integer({ min: 1, max: 5 }),
        async (receivers, plans: Step[][], budget) =>
          withRuntime(
            async (rt) => {
              const expected = Array.from({ length: receivers }, () => 0);
              for (const plan of plans) for (const step of plan) expected[step.to % receivers]!++;
              const got = Array.from({ length: receivers }, () =>
                deferred<Array<{ sender: number; seq: number }>>(),
              );
              const receiverPids = Array.from({ length: receivers }, (_, r) =>
                rt.spawn(
                  async (self) => {
                    const messages: Array<{ sender: number; seq: number }> = [];
                    while (messages.length < expected[r]!) {
                      messages.push((await self.receive()) as { sender: number; seq: number });
                    }
                    got[r]!.resolve(messages);
                  },
                  { name: `receiver-${r}` },
                ),
              );
              plans.forEach((plan, sender) => {
                rt.spawn(async (self) => {
                  const seqs = Array.from({ length: receivers }, () => 0);
                  for (const step of plan) {
                    await pause(step.before);
                    const r = step.to % receivers;
                    const dest = step.byName ? `receiver-${r}` : receiverPids[r]!;
                    self.send(dest, { sender, seq: seqs[r]!++ });
                  }
                });
              });
              const all = await Promise.all(got.map((d) => d.promise));
              all.forEach((messages, r) => {
                plans.forEach((plan, sender) => {
                  const sent = plan.filter((step) => step.to % receivers === r).length;
                  const seen = messages.filter((m) => m.sender === sender).map((m) => m.seq);
                  expect(seen).toEqual(Array.from({ length: sent }, (_, i) => i));
                });
              });
            },
            { budget },
          ),
      ),
      { numRuns: 100 },
    );
  });
});

describe('selective receive', () => {
  /** A receive's pattern: `m % k === r`, or any message. */
  type Pattern = { k: number; r: number } | 'any';

  const patternArb: fc.Arbitrary<Pattern> = fc.oneof(
    fc.constant<Pattern>('any'),
    fc
      .integer({ min: 2, max: 5 })
      .chain((k) => fc.record({ k: fc.constant(k), r: fc.integer({ min: 0, max: k - 1 }) })),
  );

  const accepts =
    (pattern: Pattern) =>
    (m: unknown): boolean =>
      pattern === 'any' || (typeof m === 'number' && m % pattern.k === pattern.r);

  /** Receives with `timeout: 0` until the mailbox is empty: what was left, in order. */
  async function drain(self: Self): Promise<unknown[]> {
    const rest: unknown[] = [];
    for (;;) {
      const m = await self.receive({ timeout: 0 });
      if (m === Timeout) return rest;
      rest.push(m);
    }
  }

  it('takes exactly the first matching message and leaves the others queued in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 20 }), { maxLength: 40 }),
        fc.array(patternArb, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        async (messages, patterns, budget) =>
          withRuntime(
            async (rt) => {
              // The model: each receive takes the first message its pattern accepts.
              const queue = [...messages];
              const expected = patterns.map((p) => {
                const i = queue.findIndex(accepts(p));
                return i < 0 ? Timeout : queue.splice(i, 1)[0];
              });
              const go = deferred();
              const result = deferred<{ taken: unknown[]; rest: unknown[] }>();
              const pid = rt.spawn(async (self) => {
                await go.promise;
                const taken: unknown[] = [];
                for (const p of patterns)
                  taken.push(await self.receive({ match: accepts(p), timeout: 0 }));
                result.resolve({ taken, rest: await drain(self) });
              });
              for (const m of messages) rt.send(pid, m);
              go.resolve();
              const { taken, rest } = await result.promise;
              expect(taken).toEqual(expected);
              expect(rest).toEqual(queue);
            },
            { budget },
          ),
      ),
      { numRuns: 200 },
    );
  });

  it('finds the first match among messages that arrive in bursts while it waits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.nat({ max: 20 }), { maxLength: 12 }), { maxLength: 6 }),
        fc.array(patternArb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 4 }),
        async (bursts, patterns, budget) =>
          withRuntime(
            async (rt) => {
              // One 'end' per receive comes last and matches every pattern, so no receive waits forever.
              const stream: unknown[] = [...bursts.flat(), ...patterns.map(() => 'end')];
              const matches = (p: Pattern) => (m: unknown) => m === 'end' || accepts(p)(m);
              const queue = [...stream];
              const expected = patterns.map((p) => queue.splice(queue.findIndex(matches(p)), 1)[0]);
              const result = deferred<{ taken: unknown[]; rest: unknown[] }>();
              const allSent = deferred();
              const pid = rt.spawn(async (self) => {
                const taken: unknown[] = [];
                for (const p of patterns) taken.push(await self.receive({ match: matches(p) }));
                await allSent.promise;
                result.resolve({ taken, rest: await drain(self) });
              });
              for (const burst of bursts) {
                for (const m of burst) rt.send(pid, m);
                await pause('macro');
              }
              for (const _ of patterns) rt.send(pid, 'end');
              allSent.resolve();
              const { taken, rest } = await result.promise;
              expect(taken).toEqual(expected);
              expect(rest).toEqual(queue);
            },
            { budget },
          ),
      ),
      { numRuns: 100 },
    );
  });
});

// ── Supervisors: a model of OTP's restart rules ─────────────────────────────

/** How a child is made to end: killed, a thrown error, or a normal stop (plain or `{ shutdown }`). */
type Ending = 'kill' | 'error' | 'normal' | 'shutdown_tuple';

const isAbnormal = (ending: Ending): boolean => ending === 'kill' || ending === 'error';

class Child extends GenServer<string, never, Ending> {
  override init(id: string): string {
    return id;
  }

  override handleCast(ending: Ending, id: string) {
    if (ending === 'error') throw new Error(`${id} crashed`);
    if (ending === 'normal') return stop('normal', id);
    if (ending === 'shutdown_tuple') return stop({ shutdown: 'done' }, id);
    return noreply(id);
  }
}

interface ModelChild {
  id: string;
  restart: RestartType;
  running: boolean;
}

/** What a restart event must say: the child, and why it restarted (its ending, or what the supervisor did). */
interface ExpectedRestart {
  id: string;
  cause: Ending | 'shutdown' | 'noproc';
}

/**
 * OTP's rules (supervisor.erl) for a child that ended: a temporary child is dropped; a
 * transient one that ended normally stays down; otherwise the strategy's group (the
 * child alone, every child, or the child and those started after it) is stopped and
 * started again in start order, including members that were not running, except
 * temporary ones, which are dropped.
 */
function model(
  children: ModelChild[],
  strategy: Strategy,
  index: number,
  ending: Ending,
): ExpectedRestart[] {
  const child = children[index]!;
  child.running = false;
  if (child.restart === 'temporary') {
    children.splice(index, 1);
    return [];
  }
  if (child.restart === 'transient' && !isAbnormal(ending)) return [];
  const group =
    strategy === 'one_for_one'
      ? [child]
      : strategy === 'one_for_all'
        ? [...children]
        : children.slice(index);
  const restarts: ExpectedRestart[] = [];
  for (const member of group) {
    if (member !== child && member.restart === 'temporary') {
      children.splice(children.indexOf(member), 1);
      continue;
    }
    restarts.push({
      id: member.id,
      cause: member === child ? ending : member.running ? 'shutdown' : 'noproc',
    });
    member.running = true;
  }
  return restarts;
}

/** The exit reason each ending gives. */
function checkReason(cause: ExpectedRestart['cause'], reason: ExitReason, id: string): void {
  switch (cause) {
    case 'kill':
      expect(reason).toBe('killed');
      break;
    case 'error':
      expect(reason).toBeInstanceOf(Error);
      expect((reason as Error).message).toBe(`${id} crashed`);
      break;
    case 'normal':
    case 'shutdown':
    case 'noproc':
      expect(reason).toBe(cause);
      break;
    case 'shutdown_tuple':
      expect(reason).toEqual({ shutdown: 'done' });
      break;
  }
}

describe('supervisor restarts', () => {
  const restartArb = fc.constantFrom<RestartType>('permanent', 'transient', 'temporary');
  const endingArb = fc.constantFrom<Ending>('kill', 'error', 'normal', 'shutdown_tuple');

  it('restart exactly the children, in the order, that OTP’s rules give, for any sequence of endings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Strategy>('one_for_one', 'one_for_all', 'rest_for_one'),
        fc.array(restartArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.record({ pick: fc.nat(), ending: endingArb }), { maxLength: 8 }),
        async (strategy, restarts, endings) =>
          withRuntime(async (rt) => {
            const children: ModelChild[] = restarts.map((restart, i) => ({
              id: `c${i}`,
              restart,
              running: true,
            }));
            const specs: ChildSpec[] = children.map(({ id, restart }) => ({
              id,
              restart,
              start: [Child, id],
            }));
            const events: Array<[id: unknown, reason: ExitReason, old?: Pid, new?: Pid]> = [];
            rt.on('restart', (_sup, id, reason, oldPid, newPid) =>
              events.push([id, reason, oldPid, newPid]),
            );
            const sup = await rt.start(Supervisor, {
              children: specs,
              strategy,
              maxRestarts: 1_000,
              maxSeconds: 3_600,
            });
            let pids = new Map<unknown, Pid | undefined>();
            const look = async (): Promise<void> => {
              const listed = await Supervisor.whichChildren(rt, sup);
              // The supervisor holds exactly the model's children, in order, running as the model says.
              expect(listed.map((c) => c.id)).toEqual(children.map((c) => c.id));
              for (const [i, c] of listed.entries()) {
                const running = c.pid instanceof Pid && rt.isAlive(c.pid);
                expect(running, `child ${String(c.id)} running`).toBe(children[i]!.running);
              }
              pids = new Map(listed.map((c) => [c.id, c.pid instanceof Pid ? c.pid : undefined]));
            };
            await look();
            for (const { pick, ending } of endings) {
              const running = children.filter((c) => c.running);
              if (running.length === 0) break;
              const target = running[pick % running.length]!;
              const pid = pids.get(target.id)!;
              const before = new Map(pids);
              const expected = model(children, strategy, children.indexOf(target), ending);
              events.length = 0;
              const exited = rt.awaitExit(pid);
              if (ending === 'kill') rt.exit(pid, 'kill');
              else GenServer.cast(rt, pid, ending);
              await exited;
              // Queued behind the exit signal: answered once the restarts are done.
              await look();
              expect(events.map(([id]) => id)).toEqual(expected.map((e) => e.id));
              for (const [i, [id, reason, oldPid, newPid]] of events.entries()) {
                const { cause } = expected[i]!;
                checkReason(cause, reason, String(id));
                expect(oldPid).toBe(cause === 'noproc' ? undefined : before.get(id));
                expect(newPid).toBe(pids.get(id));
                expect(newPid).not.toBe(before.get(id));
              }
              // Children outside the group keep their pid.
              const restarted = new Set(expected.map((e) => e.id));
              for (const c of children)
                if (!restarted.has(c.id) && c.running)
                  expect(pids.get(c.id)).toBe(before.get(c.id));
            }
          }),
      ),
      { numRuns: 150 },
    );
  });
});

describe('restart intensity', () => {
  it('refuses a restart exactly when more than maxRestarts restarts fall within maxSeconds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        // Eighths of a second are exact in binary, so the window's edge is exact too.
        fc.integer({ min: 1, max: 40 }).map((eighths) => eighths / 8),
        fc.array(fc.oneof(fc.nat({ max: 3_000 }), fc.constantFrom(0, 125, 250, 500, 1_000)), {
          maxLength: 40,
        }),
        (maxRestarts, maxSeconds, gaps) => {
          const intensity = new RestartIntensity(maxRestarts, maxSeconds);
          const times: number[] = [];
          let now = 1_000_000;
          for (const gap of gaps) {
            now += gap;
            times.push(now);
            // OTP's rule: the restarts at most maxSeconds old, this one included.
            const inWindow = times.filter((t) => now - t <= maxSeconds * 1000).length;
            expect(intensity.add(now)).toBe(inWindow <= maxRestarts);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('lets a supervisor restart maxRestarts times, and shuts it down at the next', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom<Strategy>('one_for_one', 'one_for_all', 'rest_for_one'),
        async (maxRestarts, strategy) =>
          withRuntime(async (rt) => {
            let restarts = 0;
            rt.on('restart', () => restarts++);
            const sup = await rt.start(Supervisor, {
              children: [
                { id: 'a', start: [Child, 'a'] },
                { id: 'b', start: [Child, 'b'] },
              ],
              strategy,
              maxRestarts,
              // Far wider than the test: every restart falls within it.
              maxSeconds: 3_600,
            });
            const supExit = rt.awaitExit(sup);
            for (let i = 0; i < maxRestarts; i++) {
              const [, b] = await Supervisor.whichChildren(rt, sup);
              const exited = rt.awaitExit(b!.pid as Pid);
              rt.exit(b!.pid as Pid, 'kill');
              await exited;
            }
            const [, b] = await Supervisor.whichChildren(rt, sup);
            expect(rt.isAlive(sup)).toBe(true);
            rt.exit(b!.pid as Pid, 'kill');
            expect(await supExit).toBe('shutdown');
            // one_for_all restarts a and b each time; the others restart b alone (it is the last child).
            expect(restarts).toBe(strategy === 'one_for_all' ? 2 * maxRestarts : maxRestarts);
          }),
      ),
      { numRuns: 20 },
    );
  });
});

// ── Links and monitors ──────────────────────────────────────────────────────

describe('links and monitors', () => {
  type Ending2 = 'kill' | 'error' | 'normal' | 'shutdown';

  interface Plan {
    targets: number;
    /** Links between targets (which do not trap exits): deaths cascade along them. */
    targetLinks: Array<[number, number]>;
    /** Per observer (which traps exits): links and monitors set while the targets live, and after they died. */
    observers: Array<{
      links: number[];
      monitors: number[];
      lateLinks: number[];
      lateMonitors: number[];
    }>;
    endings: Array<{ target: number; ending: Ending2 }>;
  }

  const planArb: fc.Arbitrary<Plan> = fc.integer({ min: 1, max: 6 }).chain((targets) => {
    const t = fc.nat({ max: targets - 1 });
    return fc.record({
      targets: fc.constant(targets),
      targetLinks: fc.array(fc.tuple(t, t), { maxLength: 6 }),
      observers: fc.array(
        fc.record({
          links: fc.array(t, { maxLength: 5 }),
          monitors: fc.array(t, { maxLength: 5 }),
          lateLinks: fc.array(t, { maxLength: 2 }),
          lateMonitors: fc.array(t, { maxLength: 2 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      endings: fc.array(
        fc.record({
          target: t,
          ending: fc.constantFrom<Ending2>('kill', 'error', 'normal', 'shutdown'),
        }),
        { maxLength: 6 },
      ),
    });
  });

  it('deliver exactly one Exit per linked pair and one Down per monitor, with the exit reason', async () => {
    await fc.assert(
      fc.asyncProperty(planArb, async (plan) =>
        withRuntime(async (rt) => {
          const ready = Array.from({ length: plan.targets + plan.observers.length }, () =>
            deferred(),
          );
          // Targets: link to their peers, then wait for the order to end.
          const targetPids: Pid[] = [];
          for (let i = 0; i < plan.targets; i++) {
            targetPids.push(
              rt.spawn(async (self) => {
                for (const [a, b] of plan.targetLinks) if (a === i) self.link(targetPids[b]!);
                ready[i]!.resolve();
                const ending = (await self.receive()) as Ending2;
                if (ending === 'error') throw new Error(`target ${i} crashed`);
                if (ending === 'shutdown') self.exit('shutdown');
                // 'normal': the body returns.
              }),
            );
          }
          // Observers: trap exits, link and monitor, then collect every signal until told to report.
          const reports = plan.observers.map(() =>
            deferred<{ signals: unknown[]; monitors: Ref[]; lateMonitors: Ref[] }>(),
          );
          plan.observers.forEach((o, n) => {
            rt.spawn(async (self) => {
              self.trapExit(true);
              for (const i of o.links) self.link(targetPids[i]!);
              const monitors = o.monitors.map((i) => self.monitor(targetPids[i]!));
              ready[plan.targets + n]!.resolve();
              await self.receive({ match: (m) => m === 'report' });
              for (const i of o.lateLinks) self.link(targetPids[i]!);
              const lateMonitors = o.lateMonitors.map((i) => self.monitor(targetPids[i]!));
              const signals: unknown[] = [];
              for (;;) {
                const m = await self.receive({ timeout: 0 });
                if (m === Timeout) break;
                signals.push(m);
              }
              reports[n]!.resolve({ signals, monitors, lateMonitors });
              await self.receive();
            });
          });
          await Promise.all(ready.map((d) => d.promise));

          // The model of the deaths: an abnormal exit takes down every target linked to it, with the same reason.
          const reasons = new Map<number, ExitReason>();
          const adjacent = (i: number): number[] =>
            plan.targetLinks.flatMap(([a, b]) => (a === i ? [b] : b === i ? [a] : []));
          const die = (i: number, reason: ExitReason): void => {
            const todo = [i];
            reasons.set(i, reason);
            if (reason === 'normal') return;
            while (todo.length > 0) {
              for (const j of adjacent(todo.pop()!)) {
                if (reasons.has(j)) continue;
                reasons.set(j, reason);
                todo.push(j);
              }
            }
          };
          const ends = [
            ...plan.endings,
            ...targetPids.map((_, target) => ({ target, ending: 'kill' as const })),
          ];
          for (const { target, ending } of ends) {
            if (reasons.has(target)) continue;
            const pid = targetPids[target]!;
            const exited = rt.awaitExit(pid);
            if (ending === 'kill') rt.exit(pid, 'kill');
            else rt.send(pid, ending);
            const reason = await exited;
            die(target, ending === 'kill' ? 'killed' : reason);
            if (ending === 'error') expect(reason).toBeInstanceOf(Error);
            else expect(reason).toBe(ending === 'kill' ? 'killed' : ending);
          }
          for (const [i, pid] of targetPids.entries()) {
            expect(rt.isAlive(pid)).toBe(false);
            expect(reasons.has(i)).toBe(true);
          }

          const observerPids = rt.processes();
          for (const pid of observerPids) rt.send(pid, 'report');
          const got = await Promise.all(reports.map((d) => d.promise));
          got.forEach(({ signals, monitors, lateMonitors }, n) => {
            const o = plan.observers[n]!;
            const exits = signals.filter((s): s is Exit => s instanceof Exit);
            const downs = signals.filter((s): s is Down => s instanceof Down);
            expect(exits.length + downs.length).toBe(signals.length);
            // One Exit per linked target, however many times it was linked, with its exit
            // reason; and one 'noproc' Exit per link set after it died.
            const linked = new Set(o.links);
            for (const [i, pid] of targetPids.entries()) {
              const late = o.lateLinks.filter((j) => j === i).length;
              expect(exits.filter((e) => e.from === pid).map((e) => e.reason)).toEqual([
                ...(linked.has(i) ? [reasons.get(i)] : []),
                ...Array.from({ length: late }, () => 'noproc'),
              ]);
            }
            expect(exits).toHaveLength(linked.size + o.lateLinks.length);
            // One Down per monitor, each with its own ref.
            expect(downs).toHaveLength(monitors.length + lateMonitors.length);
            for (const [k, ref] of monitors.entries()) {
              const mine = downs.filter((d) => d.ref === ref);
              expect(mine).toHaveLength(1);
              expect(mine[0]!.pid).toBe(targetPids[o.monitors[k]!]);
              expect(mine[0]!.reason).toBe(reasons.get(o.monitors[k]!));
            }
            for (const [k, ref] of lateMonitors.entries()) {
              const mine = downs.filter((d) => d.ref === ref);
              expect(mine).toHaveLength(1);
              expect(mine[0]!.pid).toBe(targetPids[o.lateMonitors[k]!]);
              expect(mine[0]!.reason).toBe('noproc');
            }
          });
        }),
      ),
      { numRuns: 150 },
    );
  });
});
