// The Elixir tutorial against the store demo run as a distributed otp-ts node
// (`npm run store:node`): an Elixir session calls and casts its stores by
// {Name, Node}, kills Test1 and sees it come back with a new pid. `elixir` must be
// on the PATH (`.ci/run` installs it): the test never passes by being skipped.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LineProgram } from './erlang.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RUN = randomBytes(3).toString('hex');
const COOKIE = 'interop-elixir';
const STORE = `store_${RUN}@localhost`;

const running: LineProgram[] = [];
afterEach(async () => {
  for (const program of running.splice(0).reverse()) await program.stop();
});

/** The store node, as `npm run store:node -- --name … --cookie …` runs it. */
async function storeNode(): Promise<LineProgram> {
  const node = new LineProgram(
    `${root}node_modules/.bin/tsx`,
    ['examples/store/node.ts', '--name', STORE, '--cookie', COOKIE],
    { cwd: root, group: true },
  );
  running.push(node);
  await node.line(/^store node .* running/);
  return node;
}

/** An Elixir session running `script`; it reads a line from stdin at each `IO.gets`. */
function elixir(script: string): LineProgram {
  const session = new LineProgram(
    'elixir',
    ['--sname', `me_${RUN}@localhost`, '--cookie', COOKIE, '-e', script],
    { input: true, cwd: root },
  );
  running.push(session);
  return session;
}

/** The tutorial's session, with the store node's name in `node`. */
const TUTORIAL = `
defmodule Store.Struct do
  defstruct [:name, :employees]
end
defmodule Kill do
  # Process.exit(pid, :kill), as the tutorial does, and the reason its monitor gets.
  def and_await_down(pid) do
    ref = Process.monitor(pid)
    Process.exit(pid, :kill)
    receive do
      {:DOWN, ^ref, :process, ^pid, reason} -> reason
    end
  end
end
node = :"${STORE}"
IO.inspect(Node.connect(node), label: "connect")
IO.inspect(node in Node.list(:hidden), label: "hidden")
IO.inspect(GenServer.call({:Test1, node}, :store), label: "store")
IO.inspect(GenServer.cast({:Test1, node}, {:add_employees, 4}), label: "cast")
IO.inspect(GenServer.call({:Test1, node}, :store), label: "after cast")
IO.inspect(GenServer.call({:Test2, node}, :store), label: "test2")
pid = GenServer.call({:Test1, node}, :pid)
IO.inspect(node(pid) == node, label: "pid on store node")
IO.inspect(Kill.and_await_down(pid), label: "down")
IO.gets("")
new_pid = GenServer.call({:Test1, node}, :pid)
IO.inspect(new_pid != pid, label: "new pid")
IO.inspect(GenServer.call({:Test1, node}, :store), label: "after restart")
IO.inspect(GenServer.call({:Test2, node}, :store), label: "test2 kept")
nobody =
  try do
    GenServer.call({:Nobody, node}, :store)
  catch
    :exit, reason -> reason
  end
IO.inspect(nobody, label: "nobody", width: :infinity)
IO.puts("done")
`;

describe('an Elixir session against the store node', () => {
  it('reproduces the tutorial: calls and casts by {Name, Node}, Test1 killed and restarted with a new pid', async () => {
    const store = await storeNode();
    const session = elixir(TUTORIAL);
    expect(await session.line(/^connect: /)).toBe('connect: true');
    expect(await session.line(/^hidden: /)).toBe('hidden: true');
    expect(await session.line(/^store: /)).toBe(
      'store: %Store.Struct{name: "Test1", employees: 2}',
    );
    expect(await session.line(/^cast: /)).toBe('cast: :ok');
    expect(await session.line(/^after cast: /)).toBe(
      'after cast: %Store.Struct{name: "Test1", employees: 6}',
    );
    expect(await session.line(/^test2: /)).toBe(
      'test2: %Store.Struct{name: "Test2", employees: 2}',
    );
    expect(await session.line(/^pid on store node: /)).toBe('pid on store node: true');
    expect(await session.line(/^down: /)).toBe('down: :killed');
    // The store node reports the restart: then the session goes on.
    expect(await store.line(/^restarted Test1: /)).toMatch(
      /^restarted Test1: <0\.\d+\.0> -> <0\.\d+\.0>$/,
    );
    session.send('');
    expect(await session.line(/^new pid: /)).toBe('new pid: true');
    expect(await session.line(/^after restart: /)).toBe(
      'after restart: %Store.Struct{name: "Test1", employees: 2}',
    );
    expect(await session.line(/^test2 kept: /)).toBe(
      'test2 kept: %Store.Struct{name: "Test2", employees: 2}',
    );
    expect(await session.line(/^nobody: /)).toMatch(/^nobody: \{:noproc, \{GenServer, :call,/);
    await session.line(/^done$/);
    expect(await session.exited()).toBe(0);
    expect(await store.line(/^nodedown /)).toBe(`nodedown me_${RUN}@localhost`);
    // SIGTERM stops the application cleanly, and the node exits by itself.
    await store.stop('SIGTERM');
    expect(store.text).toContain('application stopped (signal SIGTERM)');
    expect(store.process.exitCode).toBe(0);
  });

  it('is what `npm run store:node` runs', async () => {
    const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['store:node']).toBe('tsx examples/store/node.ts');
  });
});
