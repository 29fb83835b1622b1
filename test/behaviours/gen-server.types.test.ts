import { describe, expectTypeOf, it } from 'vitest';
import {
  type CallOf,
  type CastOf,
  type From,
  GenServer,
  type InitArg,
  noreply,
  type Pid,
  type ReplyOf,
  type ReplyResult,
  type Returns,
  type Runtime,
  reply,
  replyTo,
  type ServerRef,
  stop,
} from '../../src/index.js';

type Call =
  | ({ type: 'get' } & Returns<number>)
  | ({ type: 'list' } & Returns<string[]>)
  | ({ type: 'find'; name: string } & Returns<string | undefined>);
type Cast = { type: 'add'; item: string } | { type: 'clear' };
interface State {
  count: number;
  items: string[];
}

class Inventory extends GenServer<State, Call, Cast> {
  override init(items: string[]): State {
    return { count: items.length, items };
  }
  override handleCall(request: Call, _from: From, state: State) {
    switch (request.type) {
      case 'get':
        return replyTo(request, state.count, state);
      case 'list':
        return replyTo(request, state.items, state);
      case 'find':
        return replyTo(
          request,
          state.items.find((item) => item === request.name),
          state,
        );
    }
  }
  override handleCast(request: Cast, state: State): State {
    switch (request.type) {
      case 'add':
        return { count: state.count + 1, items: [...state.items, request.item] };
      case 'clear':
        return { count: 0, items: [] };
      default: {
        const unhandled: never = request;
        return unhandled;
      }
    }
  }
}

declare const rt: Runtime;

describe('Returns and ReplyOf', () => {
  it('give each call variant its own reply type', () => {
    expectTypeOf<ReplyOf<Extract<Call, { type: 'get' }>>>().toEqualTypeOf<number>();
    expectTypeOf<ReplyOf<Extract<Call, { type: 'list' }>>>().toEqualTypeOf<string[]>();
    expectTypeOf<ReplyOf<{ type: 'untyped' }>>().toEqualTypeOf<unknown>();
  });
});

describe('replyTo', () => {
  it('checks the reply against the variant the request was narrowed to', () => {
    const check = (request: Call, state: State) => {
      switch (request.type) {
        case 'get':
          expectTypeOf(replyTo(request, 1, state)).toEqualTypeOf<ReplyResult<number, State>>();
          // @ts-expect-error a 'get' call replies a number, not a string
          replyTo(request, 'one', state);
          // @ts-expect-error nor a string[]
          replyTo(request, ['one'], state);
          return;
        case 'list':
          expectTypeOf(replyTo(request, ['a'], state)).toEqualTypeOf<
            ReplyResult<string[], State>
          >();
          // @ts-expect-error a 'list' call replies a string[], not a number
          replyTo(request, 1, state);
          return;
        case 'find':
          replyTo(request, undefined, state);
          // @ts-expect-error a 'find' call replies a string or undefined
          replyTo(request, 0, state);
          return;
      }
    };
    expectTypeOf(check).toBeFunction();
  });

  it('makes a wrong reply in handleCall fail to compile', () => {
    class Wrong extends GenServer<State, Call, Cast> {
      override handleCall(request: Call, _from: From, state: State) {
        if (request.type === 'get') {
          // @ts-expect-error replying the list to a 'get' call
          return replyTo(request, state.items, state);
        }
        return noreply(state);
      }
    }
    expectTypeOf(Wrong).toBeConstructibleWith();
  });

  it('makes handleCall fail to compile when it returns a reply of the wrong type for the whole union', () => {
    class Wrong extends GenServer<State, Call, Cast> {
      // @ts-expect-error a boolean is no variant's reply type
      override handleCall(_request: Call, _from: From, state: State) {
        return reply(true, state);
      }
    }
    expectTypeOf(Wrong).toBeConstructibleWith();
  });

  it('makes a result with a state of the wrong type fail to compile', () => {
    class Wrong extends GenServer<State, Call, Cast> {
      // @ts-expect-error the state is a State, not a string
      override handleCast(_request: Cast, _state: State) {
        return noreply('not a state');
      }
    }
    expectTypeOf(Wrong).toBeConstructibleWith();
  });
});

describe('GenServer.ref', () => {
  const inventory = GenServer.ref<typeof Inventory>(rt, 'inventory');

  it('is typed by the server class', () => {
    expectTypeOf(inventory).toEqualTypeOf<ServerRef<Call, Cast>>();
    expectTypeOf<CallOf<typeof Inventory>>().toEqualTypeOf<Call>();
    expectTypeOf<CastOf<typeof Inventory>>().toEqualTypeOf<Cast>();
  });

  it('returns the reply type of each request variant from call, within one server', () => {
    expectTypeOf(inventory.call({ type: 'get' })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(inventory.call({ type: 'list' })).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(inventory.call({ type: 'find', name: 'x' }, 1000)).toEqualTypeOf<
      Promise<string | undefined>
    >();
  });

  it('rejects a call that is not one of the server’s requests', () => {
    // @ts-expect-error no such call
    inventory.call({ type: 'nope' });
    // @ts-expect-error 'find' needs a name
    inventory.call({ type: 'find' });
    // @ts-expect-error a string is no request
    inventory.call('get');
  });

  it('accepts only the server’s casts', () => {
    expectTypeOf(inventory.cast).parameter(0).toEqualTypeOf<Cast>();
    inventory.cast({ type: 'add', item: 'x' });
    // @ts-expect-error 'add' needs an item
    inventory.cast({ type: 'add' });
    // @ts-expect-error item must be a string
    inventory.cast({ type: 'add', item: 1 });
    // @ts-expect-error no such cast
    inventory.cast({ type: 'remove', item: 'x' });
  });
});

describe('GenServer.call', () => {
  it('stays untyped: any request, a reply typed by the caller', () => {
    expectTypeOf(GenServer.call(rt, 'inventory', 'anything')).toEqualTypeOf<Promise<unknown>>();
    expectTypeOf(GenServer.call<number>(rt, 'inventory', { type: 'get' })).toEqualTypeOf<
      Promise<number>
    >();
  });
});

describe('handleCast', () => {
  it('fails to compile with an unhandled variant in an exhaustive switch', () => {
    type Grown = Cast | { type: 'shuffle' };
    class Unhandled extends GenServer<State, Call, Grown> {
      override handleCast(request: Grown, state: State): State {
        switch (request.type) {
          case 'add':
            return { count: state.count + 1, items: [...state.items, request.item] };
          case 'clear':
            return { count: 0, items: [] };
          default: {
            // @ts-expect-error 'shuffle' is not handled
            const unhandled: never = request;
            return unhandled;
          }
        }
      }
    }
    expectTypeOf(Unhandled).toBeConstructibleWith();
  });
});

describe('rt.start', () => {
  it('checks the argument against init', () => {
    expectTypeOf(rt.start(Inventory, ['a'])).toEqualTypeOf<Promise<Pid>>();
    // @ts-expect-error init takes a string[]
    rt.start(Inventory, 42);
  });

  it('accepts no argument for a class whose init takes none', () => {
    class NoArg extends GenServer<number> {
      override init(): number {
        return 0;
      }
    }
    class OptionalArg extends GenServer<number> {
      override init(start?: number): number {
        return start ?? 0;
      }
    }
    expectTypeOf<InitArg<typeof NoArg>>().toEqualTypeOf<undefined>();
    expectTypeOf<InitArg<typeof OptionalArg>>().toEqualTypeOf<number | undefined>();
    expectTypeOf(rt.start(NoArg, undefined)).toEqualTypeOf<Promise<Pid>>();
    // @ts-expect-error init takes no argument
    rt.start(NoArg, 42);
    rt.start(OptionalArg, 42);
  });
});

describe('stop', () => {
  it('may carry a reply of the variant’s type from handleCall', () => {
    class Stops extends GenServer<State, Call, Cast> {
      override handleCall(request: Call, _from: From, state: State) {
        if (request.type === 'get') return stop('normal', state, state.count);
        return noreply(state);
      }
    }
    expectTypeOf(Stops).toBeConstructibleWith();
  });
});
