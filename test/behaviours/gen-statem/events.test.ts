import { expect, describe as group, it } from 'vitest';
import {
  Down,
  type From,
  GenServer,
  GenStatem,
  type Pid,
  Statem,
  type StatemEvent,
  Sys,
} from '../../../src/index.js';
import { deferred, makeRuntime } from '../../helpers.js';
import { describe, type Handler, type Result, Scripted, ScriptedEnter } from './scripted.js';

/** Starts a scripted machine in state `state` that logs each event as `event@state`. */
async function logging(
  handle: Handler,
  opts: { state?: unknown; enter?: boolean; data?: unknown } = {},
) {
  const rt = makeRuntime();
  const log: string[] = [];
  const Class = opts.enter === true ? ScriptedEnter : Scripted;
  const pid = await rt.start(Class, {
    state: opts.state ?? 'a',
    data: opts.data,
    handle: (event, state, data) => {
      log.push(`${describe(event)}@${String(state)}`);
      return handle(event, state, data);
    },
  });
  const sync = () => GenStatem.call(rt, pid, 'sync');
  return { rt, pid, log, sync };
}

const keep = (): Result => Statem.keepStateAndData();

group('events', () => {
  it('gets a call as { type: call, from, content } and answers it with a reply action', async () => {
    const { rt, pid } = await logging((event) =>
      event.type === 'call'
        ? Statem.keepStateAndData([
            { type: 'reply', from: event.from, value: `got ${String(event.content)}` },
          ])
        : keep(),
    );
    await expect(GenStatem.call(rt, pid, 'ping')).resolves.toBe('got ping');
  });

  it('is reached by GenServer.call, with the same protocol', async () => {
    const { rt, pid } = await logging((event) =>
      event.type === 'call' ? Statem.keepStateAndData([Statem.reply(event.from, 42)]) : keep(),
    );
    await expect(GenServer.call(rt, pid, 'answer')).resolves.toBe(42);
  });

  it('gets casts, plain messages and Down messages, in the order they came', async () => {
    const downs: Down[] = [];
    const { rt, pid, log, sync } = await logging((event) => {
      if (event.type === 'info' && event.content instanceof Down) downs.push(event.content);
      return keep();
    });
    GenStatem.cast(rt, pid, 'c1');
    rt.send(pid, 'i1');
    GenServer.cast(rt, pid, 'c2');
    await sync();
    expect(log).toEqual(['cast:c1@a', 'info:i1@a', 'cast:c2@a']);
    expect(downs).toEqual([]);
  });

  it('gets a Down as an info event when it monitors a process that exits', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(async (self) => {
      await self.receive();
    });
    const gone = deferred<unknown>();
    class Watcher extends GenStatem<'watching' | 'gone', undefined> {
      override init(pid: Pid) {
        this.self.monitor(pid);
        return Statem.ok<'watching' | 'gone', undefined>('watching', undefined);
      }
      override handleEvent(event: StatemEvent<'watching' | 'gone'>) {
        if (event.type === 'info' && event.content instanceof Down) {
          gone.resolve(event.content.reason);
          return Statem.nextState<'watching' | 'gone', undefined>('gone', undefined);
        }
        return Statem.keepStateAndData();
      }
    }
    const pid = await rt.start(Watcher, target);
    rt.exit(target, 'kill');
    await expect(gone.promise).resolves.toBe('killed');
    await expect(Sys.getState(rt, pid)).resolves.toEqual(['gone', undefined]);
  });
});

group('next_event', () => {
  it('handles inserted events next, several in their order, before messages already queued', async () => {
    const { rt, pid, log, sync } = await logging((event) =>
      event.type === 'cast' && event.content === 'go'
        ? Statem.keepStateAndData([
            { type: 'next_event', event: { type: 'internal', content: 'i1' } },
            { type: 'next_event', event: { type: 'cast', content: 'i2' } },
            { type: 'next_event', event: { type: 'info', content: 'i3' } },
          ])
        : keep(),
    );
    // Both casts are in the mailbox before the machine runs.
    GenStatem.cast(rt, pid, 'go');
    GenStatem.cast(rt, pid, 'later');
    await sync();
    expect(log).toEqual(['cast:go@a', 'internal:i1@a', 'cast:i2@a', 'info:i3@a', 'cast:later@a']);
  });

  it('inserts a call that a reply action answers', async () => {
    const { rt, pid } = await logging((event) => {
      if (event.type === 'call' && event.content === 'outer') {
        return Statem.keepStateAndData([
          { type: 'next_event', event: { type: 'call', from: event.from, content: 'inner' } },
        ]);
      }
      if (event.type === 'call' && event.content === 'inner') {
        return Statem.keepStateAndData([Statem.reply(event.from, 'from inner')]);
      }
      return keep();
    });
    await expect(GenStatem.call(rt, pid, 'outer')).resolves.toBe('from inner');
  });

  it('runs init actions after the start: next_event before any message', async () => {
    const rt = makeRuntime();
    const log: string[] = [];
    const pid = await rt.start(Scripted, {
      state: 'a',
      actions: [{ type: 'next_event', event: { type: 'internal', content: 'boot' } }],
      handle: (event) => {
        log.push(describe(event));
        return keep();
      },
    });
    GenStatem.cast(rt, pid, 'first');
    await GenStatem.call(rt, pid, 'sync');
    expect(log).toEqual(['internal:boot', 'cast:first']);
  });
});

group('postpone', () => {
  it('retries postponed events in their order after a state change, not after a keep', async () => {
    const { rt, pid, log, sync } = await logging((event, state) => {
      if (event.type !== 'cast') return keep();
      if (state === 'a' && event.content === 'keep') return keep();
      if (state === 'a' && event.content === 'go') return Statem.nextState('b', undefined);
      if (state === 'a') return Statem.keepStateAndData([{ type: 'postpone' }]);
      return keep();
    });
    for (const m of ['p1', 'p2', 'keep', 'p3', 'go', 'after']) GenStatem.cast(rt, pid, m);
    await sync();
    expect(log).toEqual([
      'cast:p1@a',
      'cast:p2@a',
      'cast:keep@a',
      'cast:p3@a',
      'cast:go@a',
      'cast:p1@b',
      'cast:p2@b',
      'cast:p3@b',
      'cast:after@b',
    ]);
  });

  it('does not retry after repeatState nor after nextState to an equal state', async () => {
    const { rt, pid, log, sync } = await logging(
      (event, state) => {
        if (event.type !== 'cast') return keep();
        if (event.content === 'repeat') return Statem.repeatStateAndData();
        if (event.content === 'same') return Statem.nextState(['s', 1], undefined);
        return (state as unknown[])[0] === 's'
          ? Statem.keepStateAndData([{ type: 'postpone' }])
          : keep();
      },
      { state: ['s', 1] },
    );
    for (const m of ['p', 'repeat', 'same', 'x']) GenStatem.cast(rt, pid, m);
    await sync();
    expect(log).toEqual(['cast:p@s,1', 'cast:repeat@s,1', 'cast:same@s,1', 'cast:x@s,1']);
  });

  it('retries an event postponed in the same transition that changes the state, at once', async () => {
    const { rt, pid, log, sync } = await logging(
      (event, state) => {
        if (event.type === 'cast' && state === 'a') {
          return Statem.nextState('b', undefined, [{ type: 'postpone' }]);
        }
        return keep();
      },
      { enter: true },
    );
    GenStatem.cast(rt, pid, 'go');
    GenStatem.cast(rt, pid, 'later');
    await sync();
    expect(log).toEqual(['enter:a@a', 'cast:go@a', 'enter:a@b', 'cast:go@b', 'cast:later@b']);
  });

  it('puts inserted events before retried ones, as gen_statem does', async () => {
    const { rt, pid, log, sync } = await logging((event, state) => {
      if (event.type === 'cast' && event.content === 'go') {
        return Statem.nextState('b', undefined, [
          { type: 'next_event', event: { type: 'internal', content: 'n1' } },
          { type: 'next_event', event: { type: 'internal', content: 'n2' } },
        ]);
      }
      if (event.type === 'cast' && state === 'a')
        return Statem.keepStateAndData([{ type: 'postpone' }]);
      return keep();
    });
    for (const m of ['p1', 'p2', 'go', 'after']) GenStatem.cast(rt, pid, m);
    await sync();
    expect(log).toEqual([
      'cast:p1@a',
      'cast:p2@a',
      'cast:go@a',
      'internal:n1@b',
      'internal:n2@b',
      'cast:p1@b',
      'cast:p2@b',
      'cast:after@b',
    ]);
  });

  it('keeps a postponed call waiting, and answers it once retried', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Scripted, {
      state: 'busy',
      handle: (event, state) => {
        if (event.type === 'call' && state === 'busy')
          return Statem.keepStateAndData([{ type: 'postpone' }]);
        if (event.type === 'call')
          return Statem.keepStateAndData([Statem.reply(event.from, state)]);
        if (event.type === 'cast') return Statem.nextState('ready', undefined);
        return keep();
      },
    });
    const answer = GenStatem.call(rt, pid, 'status');
    GenStatem.cast(rt, pid, 'done');
    await expect(answer).resolves.toBe('ready');
  });
});

group('state enter calls', () => {
  it('come after init (oldState the initial state), after every state change, and on repeatState', async () => {
    const { rt, pid, log, sync } = await logging(
      (event, state) => {
        if (event.type !== 'cast') return keep();
        switch (event.content) {
          case 'next':
            return Statem.nextState(state === 'a' ? 'b' : 'a', undefined);
          case 'same':
            return Statem.nextState(state, undefined);
          case 'repeat':
            return Statem.repeatStateAndData();
          default:
            return keep();
        }
      },
      { enter: true },
    );
    for (const m of ['next', 'same', 'keep', 'repeat', 'next']) GenStatem.cast(rt, pid, m);
    await sync();
    expect(log).toEqual([
      'enter:a@a',
      'cast:next@a',
      'enter:a@b',
      'cast:same@b',
      'cast:keep@b',
      'cast:repeat@b',
      'enter:b@b',
      'cast:next@b',
      'enter:b@a',
    ]);
  });

  it('come before init actions and before retried events; an enter call may set the data and reply', async () => {
    const rt = makeRuntime();
    const log: string[] = [];
    let caller: From | undefined;
    const pid = await rt.start(ScriptedEnter, {
      state: 'a',
      data: 0,
      actions: [{ type: 'next_event', event: { type: 'internal', content: 'boot' } }],
      handle: (event, state, data) => {
        log.push(`${describe(event)}@${String(state)}/${String(data)}`);
        if (event.type === 'enter') {
          const replies =
            caller === undefined ? [] : [Statem.reply(caller, `entered ${String(state)}`)];
          caller = undefined;
          return Statem.keepState((data as number) + 1, replies);
        }
        if (event.type === 'call') {
          caller = event.from;
          return Statem.nextState('b', data);
        }
        return keep();
      },
    });
    await expect(GenStatem.call(rt, pid, 'move')).resolves.toBe('entered b');
    expect(log).toEqual(['enter:a@a/0', 'internal:boot@a/1', 'call:move@a/1', 'enter:a@b/1']);
  });

  it('end the machine with an error naming the rule when an enter call changes the state', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(ScriptedEnter, {
      state: 'a',
      handle: (event, state) => {
        if (event.type === 'enter' && state === 'b') return Statem.nextState('c', undefined);
        if (event.type === 'cast') return Statem.nextState('b', undefined);
        return keep();
      },
    });
    const exit = rt.awaitExit(pid);
    GenStatem.cast(rt, pid, 'go');
    const reason = (await exit) as Error;
    expect(reason).toBeInstanceOf(Error);
    expect(reason.message).toMatch(
      /state enter call in state "b" returned Statem\.nextState\("c", \.\.\.\), but a state enter call cannot change the state/,
    );
  });

  it.each([
    ['postpone', { type: 'postpone' as const }, /a state enter call cannot postpone/],
    [
      'next_event',
      { type: 'next_event' as const, event: { type: 'internal' as const, content: 'x' } },
      /a state enter call cannot insert events/,
    ],
  ])(
    'end the machine with an error naming the rule when an enter call returns %s',
    async (_name, action, message) => {
      const rt = makeRuntime();
      const pid = await rt.start(ScriptedEnter, {
        state: 'a',
        handle: (event, state) => {
          if (event.type === 'enter' && state === 'b') return Statem.keepStateAndData([action]);
          if (event.type === 'cast') return Statem.nextState('b', undefined);
          return keep();
        },
      });
      const exit = rt.awaitExit(pid);
      GenStatem.cast(rt, pid, 'go');
      const reason = (await exit) as Error;
      expect(reason.message).toMatch(message);
      expect(reason.message).toContain('in state "b"');
    },
  );

  it('may stop the machine', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(ScriptedEnter, {
      state: 'a',
      handle: (event, state) => {
        if (event.type === 'enter' && state === 'b') return Statem.stop('normal');
        if (event.type === 'cast') return Statem.nextState('b', undefined);
        return keep();
      },
    });
    const exit = rt.awaitExit(pid);
    GenStatem.cast(rt, pid, 'go');
    await expect(exit).resolves.toBe('normal');
  });
});

group('async handleEvent', () => {
  it('takes no other message until it settles, and keeps the order of queued and inserted events', async () => {
    const { rt, pid, log, sync } = await logging(async (event) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (event.type === 'cast' && event.content === 'go') {
        return Statem.nextState('b', undefined, [
          { type: 'next_event', event: { type: 'internal', content: 'n' } },
        ]);
      }
      return keep();
    });
    for (const m of ['go', 'after']) GenStatem.cast(rt, pid, m);
    await sync();
    expect(log).toEqual(['cast:go@a', 'internal:n@b', 'cast:after@b']);
  });

  it('ends the machine with the rejection of an async handleEvent', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Scripted, {
      state: 'a',
      handle: async () => {
        throw new Error('async boom');
      },
    });
    const exit = rt.awaitExit(pid);
    GenStatem.cast(rt, pid, 'x');
    expect(((await exit) as Error).message).toBe('async boom');
  });
});
