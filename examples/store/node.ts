/**
 * The store application as a distributed node, for an Elixir (or Erlang) shell to use
 * as in the tutorial:
 *
 * ```sh
 * npm run store:node -- --name store@localhost --cookie secret
 * iex --sname me@localhost --cookie secret
 * iex> GenServer.call({:Test1, :"store@localhost"}, :store)
 * %{__struct__: Store.Struct, employees: 2, name: "Test1"}
 * ```
 *
 * It starts the application (`OtpTest.Supervisor` > `Store.Supervisor` > `Test1`,
 * `Test2`), registers the node with the host's epmd (starting one when none runs) and
 * runs until SIGINT or SIGTERM, which stop the application cleanly. An Elixir node sees
 * it as a hidden node: it is not in `Node.list()`, but in `Node.list(:hidden)`.
 *
 * Options: `--name name@host` (default `store@localhost`), `--cookie` (default
 * `~/.erlang.cookie`, as Erlang's), `--port` (default: any free port).
 *
 * @module
 */
import { inspect, parseArgs } from 'node:util';
import { type Logger, Runtime } from 'otp-ts';
import { startApplication } from './application.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'store@localhost' },
    cookie: { type: 'string' },
    port: { type: 'string' },
  },
});

const write = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** Reports go to the console, one line each, so a reader (or a test) can follow the node. */
const logger: Logger = {
  error: (...args) => write(`[error] ${text(args)}`),
  warn: (...args) => write(`[warning] ${text(args)}`),
  info: (...args) => write(`[info] ${text(args)}`),
  debug: () => {},
};

function text(args: unknown[]): string {
  return args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
}

const port = values.port === undefined ? undefined : Number(values.port);
const rt = new Runtime({ node: values.name, logger });
await rt.startDistribution({
  ...(values.cookie === undefined ? {} : { cookie: values.cookie }),
  ...(port === undefined ? {} : { port }),
});
rt.on('nodeup', (node) => write(`nodeup ${node}`));
rt.on('nodedown', (node) => write(`nodedown ${node}`));
rt.on('restart', (_sup, id, _reason, oldPid, newPid) =>
  write(`restarted ${String(id)}: ${String(oldPid)} -> ${String(newPid)}`),
);
const app = await startApplication(rt);
write(`store node ${rt.node} running: Test1 ${rt.whereis('Test1')}, Test2 ${rt.whereis('Test2')}`);

const stopped = await app.stopped;
write(`application stopped (${stopped.cause}${stopped.signal ? ` ${stopped.signal}` : ''})`);
await rt.shutdown();
