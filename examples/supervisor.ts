/**
 * A supervision tree in a few lines: two workers under a one_for_one supervisor,
 * one of them killed and brought back under its name with a new pid and a fresh
 * state, then a DynamicSupervisor starting workers on demand.
 *
 * Run it with `npx tsx examples/supervisor.ts`.
 */
import {
  DynamicSupervisor,
  type From,
  GenServer,
  Runtime,
  reply,
  Supervisor,
  type SupervisorSpec,
} from 'otp-ts';

/** A worker that counts the calls it answered since it started. */
class Worker extends GenServer<number> {
  override init(start: number): number {
    return start;
  }
  override handleCall(_request: 'bump', _from: From, count: number) {
    return reply(count + 1, count + 1);
  }
}

/** The tree's root, as a module of its own (Elixir's `use Supervisor`). */
class Workers extends Supervisor {
  override init(): SupervisorSpec {
    return {
      children: [
        { id: 'alpha', start: [Worker, 0, { name: 'alpha' }] },
        { id: 'beta', start: [Worker, 100, { name: 'beta' }] },
      ],
      strategy: 'one_for_one',
      maxRestarts: 3,
      maxSeconds: 5,
    };
  }
}

const rt = new Runtime({ logger: false });
await rt.start(Workers, undefined, { name: 'Workers' });
await GenServer.call(rt, 'alpha', 'bump');
console.log('alpha answered', await GenServer.call(rt, 'alpha', 'bump'), 'calls');

const before = rt.whereis('alpha');
const restarted = new Promise<void>((resolve) =>
  rt.once('restart', (_sup, id, reason, oldPid, newPid) => {
    console.log(`restarted ${String(id)} after ${String(reason)}: ${oldPid} -> ${newPid}`);
    resolve();
  }),
);
rt.exit(before!, 'kill');
await restarted;
console.log('alpha is back under its name:', rt.whereis('alpha') !== before);
console.log('and starts afresh:', await GenServer.call(rt, 'alpha', 'bump'));
console.log('beta was untouched:', await GenServer.call(rt, 'beta', 'bump'));
console.log(await Supervisor.countChildren(rt, 'Workers'));

await rt.start(DynamicSupervisor, { maxChildren: 10 }, { name: 'Pool' });
for (const start of [1, 2, 3]) await DynamicSupervisor.startChild(rt, 'Pool', [Worker, start]);
console.log('pool:', (await DynamicSupervisor.countChildren(rt, 'Pool')).active, 'workers');

await rt.shutdown();
