/**
 * The limit's ring node, shared by bench/ring.ts and bench/ab.mjs: one handler for
 * every node, the next actor in the state; it passes the token on until it is 0.
 */
import type { Actor } from '../baseline/limit/index.js';
import { now } from './harness.js';

export interface LimitRingState {
  next: Actor | undefined;
  done: (t: number) => void;
}

export function limitRingNode(actor: Actor, message: unknown): void {
  const state = actor.state as LimitRingState;
  const token = message as number;
  if (token === 0) state.done(now());
  else actor.runtime.send(state.next!, token - 1);
}
