/**
 * The store demo, run by `npm start`: it replays the session of the Elixir tutorial
 * "Elixir OTP basics with project example" (a store GenServer, a management facade,
 * a supervisor and an application) with otp-ts, and prints each step as a transcript.
 *
 * It waits on what the runtime reports (replies, `'restart'` events, exits), never
 * on sleeps, and it ends by itself: once the application is stopped and the runtime
 * shut down, nothing keeps Node.js running.
 *
 * @module
 */
import { inspect } from 'node:util';
import {
  AlreadyStartedError,
  GenServer,
  type Logger,
  type Pid,
  Runtime,
  Supervisor,
  Sys,
} from 'otp-ts';
import { type Application, startApplication } from './application.js';
import { CoreStore } from './core-store.js';
import * as Management from './management.js';
import { Store } from './store.js';

const write = (text = ''): void => {
  process.stdout.write(`${text}\n`);
};

const show = (value: unknown): string =>
  inspect(value, { depth: 4, breakLength: 96, compact: 3 }).replaceAll('\n', '\n    ');

/** Runtime reports go into the transcript, tagged with their level, indented. */
const transcriptLogger: Logger = {
  error: (...args) => report('error', args),
  warn: (...args) => report('warning', args),
  info: (...args) => report('info', args),
  debug: () => {},
};

function report(level: string, args: unknown[]): void {
  const text = args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
  write(`    [${level}] ${text.replaceAll('\n', `\n    ${' '.repeat(level.length + 3)}`)}`);
}

let stepNumber = 0;
function step(title: string): void {
  write();
  write(`${++stepNumber}. ${title}`);
}

/** Prints the code of a step, then what it gave, if anything. */
function said(code: string, ...value: [] | [unknown]): void {
  write(`  > ${code}`);
  if (value.length > 0) write(`    ${show(value[0])}`);
}

/** Prints a remark under a step. */
function note(text: string): void {
  write(`    ${text}`);
}

/** Resolves with the pids of the next restart of child `id`, from the runtime's 'restart' event. */
function nextRestart(rt: Runtime, id: string): Promise<{ oldPid?: Pid; newPid?: Pid }> {
  return new Promise((resolve) => {
    const listener = (
      _sup: Pid,
      childId: unknown,
      _reason: unknown,
      oldPid?: Pid,
      newPid?: Pid,
    ) => {
      if (childId !== id) return;
      rt.off('restart', listener);
      resolve({ oldPid, newPid });
    };
    rt.on('restart', listener);
  });
}

async function tour(rt: Runtime, app: Application): Promise<void> {
  step('The application is running: OtpTest.Supervisor > Store.Supervisor > Test1, Test2');
  said('const app = await startApplication(rt)', app.pid);
  said('rt.registered()', rt.registered());

  step('Start test1 by hand, with 2 employees (Core.Store.start_link)');
  const test1 = new Store({ name: 'test1', employees: 2 });
  said(
    "await rt.start(CoreStore, new Store({ name: 'test1', employees: 2 }), { name: 'test1' })",
    await rt.start(CoreStore, test1, { name: 'test1' }),
  );

  step('Add 4 employees by cast: it returns at once');
  GenServer.cast(rt, 'test1', { type: 'addEmployees', amount: 4 });
  said("GenServer.cast(rt, 'test1', { type: 'addEmployees', amount: 4 })");
  note('(returns nothing, at once: Elixir says :ok)');

  step('Read the store by call: the cast came first, so it is applied');
  said("await GenServer.call(rt, 'test1', 'store')", await GenServer.call(rt, 'test1', 'store'));

  step('A second test1 cannot start: the name is taken, the running one is untouched');
  try {
    await rt.start(CoreStore, test1, { name: 'test1' });
  } catch (error) {
    if (!(error instanceof AlreadyStartedError)) throw error;
    said("await rt.start(CoreStore, test1, { name: 'test1' })");
    note(`${error.name}: ${error.message} (error.pid: ${error.pid})`);
  }
  said("await GenServer.call(rt, 'test1', 'store')", await GenServer.call(rt, 'test1', 'store'));

  step('Open test2 through the facade (Store.Management), with 3 employees, and add 4');
  const test2 = new Store({ name: 'test2', employees: 3 });
  said("const test2 = new Store({ name: 'test2', employees: 3 })");
  said('await Management.open(rt, test2)', await Management.open(rt, test2));
  Management.addEmployees(rt, test2, 4);
  said('Management.addEmployees(rt, test2, 4)');
  said('await Management.getStore(rt, test2)', await Management.getStore(rt, test2));

  step('The facade checks the amount before casting, so a bad one never reaches the store');
  try {
    Management.addEmployees(rt, test2, 1.5);
  } catch (error) {
    said('Management.addEmployees(rt, test2, 1.5)');
    note(String(error));
  }

  step('The children of Store.Supervisor and of the root, OtpTest.Supervisor');
  said(
    "await Supervisor.whichChildren(rt, 'Store.Supervisor')",
    await Supervisor.whichChildren(rt, 'Store.Supervisor'),
  );
  said(
    "await Supervisor.countChildren(rt, 'Store.Supervisor')",
    await Supervisor.countChildren(rt, 'Store.Supervisor'),
  );
  said(
    "await Supervisor.whichChildren(rt, 'OtpTest.Supervisor')",
    await Supervisor.whichChildren(rt, 'OtpTest.Supervisor'),
  );
  said(
    "await Supervisor.countChildren(rt, 'OtpTest.Supervisor')",
    await Supervisor.countChildren(rt, 'OtpTest.Supervisor'),
  );

  step('Give the supervised stores more employees: Test1 +3, Test2 +5');
  const Test1 = new Store({ name: 'Test1', employees: 2 });
  const Test2 = new Store({ name: 'Test2', employees: 2 });
  Management.addEmployees(rt, Test1, 3);
  Management.addEmployees(rt, Test2, 5);
  said('Management.addEmployees(rt, Test1, 3); Management.addEmployees(rt, Test2, 5)');
  said('await Management.getStore(rt, Test1)', await Management.getStore(rt, Test1));
  said('await Management.getStore(rt, Test2)', await Management.getStore(rt, Test2));

  step(
    'Terminate Test1 with reason kill (:sys.terminate(:Test1, :kill)); its supervisor restarts it',
  );
  const before = rt.whereis('Test1');
  said("rt.whereis('Test1')", before);
  const restarted = nextRestart(rt, 'Test1');
  said("await Sys.terminate(rt, 'Test1', 'kill')");
  await Sys.terminate(rt, 'Test1', 'kill');
  const { newPid } = await restarted;
  said("rt.whereis('Test1')", rt.whereis('Test1'));
  note(newPid === before ? 'the same pid?!' : `a new pid (was ${before}), under the same name`);
  said('await Management.getStore(rt, Test1)', await Management.getStore(rt, Test1));
  note('back to the 2 employees of its child spec: the state died with the process');
  said('await Management.getStore(rt, Test2)', await Management.getStore(rt, Test2));
  note('Test2 kept its own (one_for_one)');

  step('Stop the application cleanly, then shut the runtime down');
  said('await app.stop()', await app.stop());
  said('rt.registered()', rt.registered());
  note('test1 and test2 were started by hand, outside the supervision tree');
}

const rt = new Runtime({ name: 'store-demo', logger: transcriptLogger });
write('otp-ts store demo: the Elixir tutorial "Elixir OTP basics with project example", replayed');
const app = await startApplication(rt);

// SIGINT or SIGTERM stops the application cleanly (application.ts listens for
// them). The tour then ends early: a step in flight fails, or waits for an event
// that will never come, so the signal wins the race below. Any other failure is a
// real one.
const interrupted = new Promise<NodeJS.Signals>((resolve) => {
  void app.stopped.then((stopped) => {
    if (stopped.signal !== undefined) resolve(stopped.signal);
  });
});
const signal = await Promise.race([
  tour(rt, app).then(
    () => undefined,
    async (error: unknown) => {
      if (app.status === 'running' || (await app.stopped).signal === undefined) throw error;
      return interrupted;
    },
  ),
  interrupted,
]);
if (signal !== undefined) {
  write();
  write(`${signal}: the application stopped cleanly`);
}
await rt.shutdown();
said('await rt.shutdown()');
write();
write('Done: nothing is left running, so Node.js exits by itself with code 0.');
