import { describe, expectTypeOf, it } from 'vitest';
import { type From, GenServer, noreply, type Returns, Runtime } from '../../src/index.js';

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

describe('the README snippets', () => {
  it('types a deferred reply by its From', () => {
    const rt = new Runtime({ logger: false });
    expectTypeOf(GenServer.ref<typeof Queue>(rt, 'q').call({ type: 'next' })).toEqualTypeOf<
      Promise<number>
    >();
  });
});
