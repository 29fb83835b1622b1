import { describe, expectTypeOf, it } from 'vitest';
import {
  type Down,
  type Exit,
  type From,
  GenStatem,
  type InitArg,
  noreply,
  type Returns,
  type Runtime,
  Statem,
  type StatemAction,
  type StatemEvent,
  type StatemResult,
} from '../../src/index.js';

type State = 'locked' | 'open';
interface Data {
  code: string;
}
type Call = ({ type: 'state' } & Returns<State>) | ({ type: 'attempts' } & Returns<number>);
type Cast = { type: 'button'; digit: string };
type Info = { type: 'tick' };
type Event = StatemEvent<State, Call, Cast, Info>;

class Door extends GenStatem<State, Data, Call, Cast, Info> {
  override init(code: string) {
    return Statem.ok<State, Data>('locked', { code });
  }
  override handleEvent(event: Event, state: State, data: Data) {
    switch (event.type) {
      case 'call':
        switch (event.content.type) {
          case 'state':
            return Statem.keepStateAndData([Statem.replyTo(event.from, event.content, state)]);
          case 'attempts':
            return Statem.keepStateAndData([{ type: 'reply', from: event.from, value: 3 }]);
        }
        break;
      case 'cast':
        return event.content.digit === data.code
          ? Statem.nextState('open', data, [{ type: 'state_timeout', time: 1000, content: 'lock' }])
          : Statem.keepStateAndData([{ type: 'postpone' }]);
      case 'state_timeout':
        return Statem.nextState('locked', data);
      case 'enter':
        return Statem.keepState({ code: data.code });
    }
    return Statem.keepStateAndData();
  }
}

describe('GenStatem types', () => {
  it('types the event, the state and the data of handleEvent', () => {
    expectTypeOf<Parameters<Door['handleEvent']>[1]>().toEqualTypeOf<State>();
    expectTypeOf<Parameters<Door['handleEvent']>[2]>().toEqualTypeOf<Data>();
    expectTypeOf<Extract<Event, { type: 'cast' }>['content']>().toEqualTypeOf<Cast>();
    expectTypeOf<Extract<Event, { type: 'call' }>['content']>().toEqualTypeOf<Call>();
    expectTypeOf<Extract<Event, { type: 'call' }>['from']>().toEqualTypeOf<From<State | number>>();
    expectTypeOf<Extract<Event, { type: 'info' }>['content']>().toEqualTypeOf<Info | Exit | Down>();
    expectTypeOf<Extract<Event, { type: 'enter' }>['oldState']>().toEqualTypeOf<State>();
    expectTypeOf<InitArg<typeof Door>>().toEqualTypeOf<string>();
  });

  it('starts with rt.start only with the argument init takes', () => {
    const start = (rt: Runtime) => {
      void rt.start(Door, '1234');
      // @ts-expect-error init takes a string
      void rt.start(Door, 1234);
    };
    void start;
  });

  it('checks a reply against the reply the call declares', () => {
    const from = {} as From<number>;
    Statem.reply(from, 1);
    // @ts-expect-error the call declares a number
    Statem.reply(from, 'one');
    const request = {} as { type: 'state' } & Returns<State>;
    Statem.replyTo({} as From<State | number>, request, 'open');
    // @ts-expect-error the 'state' variant declares a State
    Statem.replyTo({} as From<State | number>, request, 3);
  });

  it('rejects a reply action whose value no call variant declares', () => {
    class WrongReply extends GenStatem<State, Data, Call> {
      override init() {
        return Statem.ok<State, Data>('locked', { code: '' });
      }
      // @ts-expect-error a boolean is no reply of Call
      override handleEvent(event: StatemEvent<State, Call>) {
        if (event.type === 'call') {
          return Statem.keepStateAndData([{ type: 'reply', from: event.from, value: true }]);
        }
        return Statem.keepStateAndData();
      }
    }
    void WrongReply;
  });

  it('rejects a state the machine does not have, data of another type, and results of other behaviours', () => {
    class WrongState extends GenStatem<State, Data> {
      override init() {
        return Statem.ok<State, Data>('locked', { code: '' });
      }
      // @ts-expect-error 'ajar' is not a State
      override handleEvent(_event: StatemEvent<State>, _state: State, data: Data) {
        return Statem.nextState('ajar', data);
      }
    }
    class WrongData extends GenStatem<State, Data> {
      override init() {
        return Statem.ok<State, Data>('locked', { code: '' });
      }
      // @ts-expect-error the data is a Data
      override handleEvent() {
        return Statem.keepState(42);
      }
    }
    class GenServerResult extends GenStatem<State, Data> {
      override init() {
        return Statem.ok<State, Data>('locked', { code: '' });
      }
      // @ts-expect-error noreply is a GenServer result
      override handleEvent(_event: StatemEvent<State>, _state: State, data: Data) {
        return noreply(data);
      }
    }
    class BareValue extends GenStatem<State, Data> {
      override init() {
        return Statem.ok<State, Data>('locked', { code: '' });
      }
      // @ts-expect-error a bare value is no result
      override handleEvent(_event: StatemEvent<State>, state: State) {
        return state;
      }
    }
    class BadInit extends GenStatem<State, Data> {
      // @ts-expect-error 'ajar' is not a State
      override init() {
        return Statem.ok('ajar', { code: '' });
      }
      override handleEvent() {
        return Statem.keepStateAndData();
      }
    }
    void [WrongState, WrongData, GenServerResult, BareValue, BadInit];
  });

  it('types the actions and the results of the helpers', () => {
    expectTypeOf(Statem.keepStateAndData()).toEqualTypeOf<
      StatemResult<never, never, StatemAction<never, never, never>>
    >();
    expectTypeOf(Statem.nextState('open', { code: '' })).toEqualTypeOf<
      StatemResult<'open', { code: string }, StatemAction<never, never, never>>
    >();
    expectTypeOf(Statem.keepStateAndData([{ type: 'postpone' }])).toEqualTypeOf<
      StatemResult<never, never, { readonly type: 'postpone' }>
    >();
    const actions: StatemAction<Call, Cast>[] = [
      { type: 'postpone' },
      { type: 'timeout', time: 10 },
      { type: 'state_timeout', time: 10, content: 'x' },
      { type: 'generic_timeout', name: 'n', time: Infinity },
      { type: 'next_event', event: { type: 'cast', content: { type: 'button', digit: '1' } } },
      // @ts-expect-error an inserted cast carries a Cast
      { type: 'next_event', event: { type: 'cast', content: 42 } },
      // @ts-expect-error a timeout needs its time
      { type: 'timeout', content: 'x' },
    ];
    void actions;
  });
});
