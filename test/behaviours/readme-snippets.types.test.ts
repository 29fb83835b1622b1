import { describe, expectTypeOf, it } from 'vitest';
import {
  type From,
  GenServer,
  GenStatem,
  noreply,
  type Returns,
  Runtime,
  Statem,
  type StatemEvent,
  Supervisor,
  type SupervisorSpec,
} from '../../src/index.js';

// The README's "replying later" snippet, type-checked: a From<R> checks GenServer.reply.
type Call = { type: 'next' } & Returns<number>;

class Queue extends GenServer<From<number>[], Call, number> {
  override init(): From<number>[] {
    return [];
  }
  override handleCall(_request: Call, from: From<number>, waiting: From<number>[]) {
    return noreply([...waiting, from]);
  }
  override handleCast(value: number, waiting: From<number>[]): From<number>[] {
    const [first, ...rest] = waiting;
    if (first !== undefined) {
      GenServer.reply(first, value);
      // @ts-expect-error the reply of a From<number> is a number
      GenServer.reply(first, 'not a number');
    }
    return rest;
  }
}

// The README's GenStatem snippet, type-checked.
type DoorState = 'locked' | 'open';
type DoorCall = { type: 'state' } & Returns<DoorState>;
type DoorCast = { type: 'button'; digit: string };

class Door extends GenStatem<DoorState, { code: string }, DoorCall, DoorCast> {
  static override stateEnter = true;
  override init(code: string) {
    return Statem.ok<DoorState, { code: string }>('locked', { code });
  }
  override handleEvent(
    event: StatemEvent<DoorState, DoorCall, DoorCast>,
    state: DoorState,
    data: { code: string },
  ) {
    if (event.type === 'call') return Statem.keepStateAndData([Statem.reply(event.from, state)]);
    if (state === 'locked' && event.type === 'cast' && event.content.digit === data.code) {
      return Statem.nextState('open', data);
    }
    if (state === 'open' && event.type === 'enter') {
      return Statem.keepStateAndData([{ type: 'state_timeout', time: 10_000, content: 'lock' }]);
    }
    if (state === 'open' && event.type === 'state_timeout') return Statem.nextState('locked', data);
    if (state === 'open' && event.type === 'cast') {
      return Statem.keepStateAndData([{ type: 'postpone' }]);
    }
    return Statem.keepStateAndData();
  }
}

// The README's Supervisor.init snippet, type-checked.
class Counter extends GenServer<number> {
  override init(start: number): number {
    return start;
  }
}

class Cache extends GenServer<Map<string, string>> {
  override init(size: number): Map<string, string> {
    return new Map([['size', String(size)]]);
  }
}

class App extends Supervisor {
  override init() {
    return Supervisor.init([{ id: 'c', start: [Counter, 0, { name: 'c' }] }, [Cache, 100]], {
      strategy: 'one_for_all',
    });
  }
}

describe('the README snippets', () => {
  it('types the GenStatem door', () => {
    expectTypeOf<Parameters<Door['init']>[0]>().toEqualTypeOf<string>();
  });

  it('types a deferred reply by its From', () => {
    const rt = new Runtime({ logger: false });
    expectTypeOf(GenServer.ref<typeof Queue>(rt, 'q').call({ type: 'next' })).toEqualTypeOf<
      Promise<number>
    >();
  });

  it('checks the children of Supervisor.init', () => {
    expectTypeOf(new App().init()).toEqualTypeOf<SupervisorSpec>();
    // @ts-expect-error Counter's init takes a number
    void (() => Supervisor.init([{ id: 'c', start: [Counter, 'zero'] }]));
  });
});
