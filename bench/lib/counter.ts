/**
 * The server most benchmarks talk to, on every side (otp-ts, baseline, limit): a
 * counter with synchronous callbacks. `'inc'` as a call increments and replies with
 * the count; `'get'` replies with it; a cast increments.
 */
import { type From, GenServer, type ReplyResult, reply } from '../../src/index.js';
import type { Handler } from '../baseline/limit/index.js';
import { Server } from '../baseline/server.js';

export type CounterCall = 'inc' | 'get';

export class Counter extends GenServer<number, CounterCall, 'inc'> {
  override init(start: number): number {
    return start;
  }

  override handleCall(
    request: CounterCall,
    _from: From,
    count: number,
  ): ReplyResult<number, number> {
    const next = request === 'inc' ? count + 1 : count;
    return reply(next, next);
  }

  override handleCast(_request: 'inc', count: number): number {
    return count + 1;
  }
}

export class BaselineCounter extends Server<number> {
  override handleCall(request: unknown): number {
    if (request === 'inc') this.state++;
    return this.state;
  }

  override handleCast(_request: unknown): void {
    this.state++;
  }
}

/** The limit's counter: one handler shared by every counter, the count in the actor's state. */
export const limitCounter: Handler = (actor, request, reply) => {
  if (reply === undefined) {
    actor.state = (actor.state as number) + 1;
    return;
  }
  if (request === 'inc') actor.state = (actor.state as number) + 1;
  reply(actor.state);
};
