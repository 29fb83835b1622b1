/** When a supervisor restarts a child: always, only after an abnormal exit, or never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** How a supervisor stops a child: ms to wait after `'shutdown'` before `'kill'`, `'brutal_kill'`, or `'infinity'`. */
export type ShutdownSpec = number | 'brutal_kill' | 'infinity';

/** Whether a child is a worker or a supervisor. */
export type ChildType = 'worker' | 'supervisor';

/** A start function: must start a process linked to the supervisor (`self`) and resolve with its pid. */
export type StartFunction = (self: Self) => Promise<Pid>;

/**
 * How to start `[Class, arg, opts?]`: the supervisor starts `Class` with `arg`
 * linked to itself (`GenServer.startLink`). `[{ module, export }, arg, { node }]`
 * starts the class that module exports on `node` (this one by default), linked to
 * the supervisor across nodes: a supervisor on one node supervises children on another.
 */
export type StartTuple = readonly [
  Behaviour: (abstract new () => { init(arg: never): unknown }) | BehaviourRef,
  arg?: unknown,
  opts?: StartOptions,
];

/**
 * A supervisor's description of one child, as OTP's child spec map.
 *
 * @example
 * ```ts
 * const spec: ChildSpec = {
 *   id: 'Test1',
 *   start: [CoreStore, new Store('Test1', 2), { name: 'Test1' }],
 *   restart: 'permanent',
 *   shutdown: 5000,
 *   type: 'worker',
 * };
 * ```
 */
export interface ChildSpec {
  /** Identifies the child within its supervisor. */
  id: unknown;
  /** `[Class, arg, opts?]`, or a function `(self) => Promise<Pid>` that links what it starts. */
  start: StartTuple | StartFunction;
  /** @defaultValue `'permanent'` */
  restart?: RestartType;
  /** @defaultValue `5000` for a worker, `'infinity'` for a supervisor */
  shutdown?: ShutdownSpec;
  /** @defaultValue `'worker'` */
  type?: ChildType;
  /**
   * Restart this child after a growing delay instead of at once (beyond OTP, after
   * Akka's `restartWithBackoff`); such restarts are not counted by `maxRestarts`.
   * @defaultValue none: restarted at once, within the restart intensity
   */
  backoff?: Backoff;
}

/**
 * Restart backoff for a child that keeps failing, e.g. on a service that is down:
 * after its `n`th consecutive crash (or failed restart) the supervisor waits
 * `min * factor ** (n - 1)` ms, capped at `max`, spread by ±`jitter` of itself, then
 * starts it again. `n` goes back to 1 once the child has run `resetAfter` ms; a stop by
 * the supervisor (`terminateChild`, a group restart) also ends the series. All times
 * are in ms.
 *
 * While the child waits, `whichChildren` shows its pid as `'restarting'`;
 * `terminateChild` and the supervisor's own stop cancel the wait; `deleteChild` and
 * `restartChild` reject with `SupervisorError` `'restarting'`, as in OTP. The restart
 * itself emits the runtime's `'restart'` event when it happens. Restarts with a
 * backoff are not counted by the supervisor's `maxRestarts`/`maxSeconds`: the delay
 * already bounds their rate.
 *
 * Under `one_for_all` or `rest_for_one`, the rest of the child's group is stopped at
 * once, as the strategy says, and started again with it after the delay.
 *
 * @example
 * ```ts
 * await rt.start(Supervisor, {
 *   children: [
 *     { id: 'db', start: [DbClient, 'localhost:5432'], backoff: { min: 100, max: 10_000 } },
 *   ],
 * });
 * // Crashes of db: restarted after about 100, 200, 400, ... ms, then every 10 s at most.
 * ```
 * @see {@link ChildSpec}
 */
export interface Backoff {
  /** The first delay, ms (a finite number >= 0). */
  min: number;
  /** The longest delay before jitter, ms (a finite number >= `min`). */
  max: number;
  /** What each consecutive crash multiplies the delay by (>= 1). @defaultValue `2` */
  factor?: number;
  /**
   * How much each delay is spread, as a fraction of itself (0 to 1): a delay `d` becomes
   * a random one in `[d * (1 - jitter), d * (1 + jitter)]`, so that children that failed
   * together do not all come back at the same instant. It applies after the cap, so a
   * delay may exceed `max` by up to `jitter` of it.
   * @defaultValue `0.2`
   */
  jitter?: number;
  /** How long the child must run for its next crash to count as the first again, ms (>= 0). @defaultValue `max` */
  resetAfter?: number;
}

/** A backoff with every default filled in. @internal */
export interface NormalizedBackoff {
  min: number;
  max: number;
  factor: number;
  jitter: number;
  resetAfter: number;
}

/** A child spec with every default filled in. @internal */
export interface NormalizedChildSpec {
  id: unknown;
  start: StartTuple | StartFunction;
  restart: RestartType;
  shutdown: ShutdownSpec;
  type: ChildType;
  backoff: NormalizedBackoff | undefined;
}

/**
 * What a supervisor accepts as a child: a {@link ChildSpec}, a behaviour class, or
 * `[Class, arg]` (the last two through the class's `static childSpec(arg)`).
 */
export type ChildInput =
  | ChildSpec
  | (abstract new () => { init(arg: never): unknown })
  | readonly [abstract new () => { init(arg: never): unknown }, unknown];

import type { BehaviourClass, InitArg, Pid, Self, StartOptions } from '../../core/kernel.js';
import type { BehaviourRef } from '../../types.js';

/**
 * A child as `startChild` and {@link Supervisor.init} check it: in `{ start: [Class,
 * arg, opts?] }` the `arg` must be what `Class`'s `init` takes (and may be left out
 * only when that accepts `undefined`), and in `[Class, arg]` what its `static
 * childSpec` takes (its `init`'s argument unless it overrides `childSpec`). Anything
 * else is checked as a {@link ChildInput}.
 *
 * @example
 * ```ts
 * class Counter extends GenServer<number> { override init(n: number) { return n; } }
 * await Supervisor.startChild(rt, sup, { id: 'c', start: [Counter, 0] });
 * // @ts-expect-error: Counter's init takes a number
 * await Supervisor.startChild(rt, sup, [Counter, 'zero']);
 * ```
 */
export type CheckedChild<S> = S extends readonly [infer K extends BehaviourClass, unknown]
  ? BehaviourClass extends K
    ? S // any class at all (a `ChildInput` held in a variable): nothing to check against
    : readonly [
        K,
        K extends {
          /** The class's own `childSpec`, whose argument `[Class, arg]` passes. */
          childSpec(arg: infer P): unknown;
        }
          ? unknown extends P
            ? InitArg<K>
            : P
          : InitArg<K>,
      ]
  : S extends {
        /** A start tuple, its class first. */
        readonly start: readonly [infer K extends BehaviourClass, ...unknown[]];
      }
    ? // The spec's other fields (`id`, `restart`...) are kept for the excess-property
      // check; its `start` is replaced by the checked one, so that a wrong `arg` is
      // reported against the type it should have.
      Omit<S, 'start'> & {
        /** `[Class, arg, opts?]`, its `arg` of the type `Class`'s `init` takes. */
        readonly start: readonly [
          K,
          ...(undefined extends InitArg<K>
            ? [arg?: InitArg<K>, opts?: StartOptions]
            : [arg: InitArg<K>, opts?: StartOptions]),
        ];
      }
    : S;

/**
 * A `children` array as {@link Supervisor.init} checks it: each child as
 * {@link CheckedChild} checks it.
 *
 * @example
 * ```ts
 * type C = CheckedChildren<readonly [readonly [typeof Counter, 0]]>; // readonly [readonly [typeof Counter, number]]
 * ```
 */
export type CheckedChildren<C extends readonly unknown[]> = {
  readonly [I in keyof C]: CheckedChild<C[I]>;
};
