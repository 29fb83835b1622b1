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
 * linked to itself (`GenServer.startLink`).
 */
export type StartTuple = readonly [
  Behaviour: abstract new () => { init(arg: never): unknown },
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
}

/** A child spec with every default filled in. @internal */
export interface NormalizedChildSpec {
  id: unknown;
  start: StartTuple | StartFunction;
  restart: RestartType;
  shutdown: ShutdownSpec;
  type: ChildType;
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

/**
 * A child as `startChild` checks it: in `{ start: [Class, arg, opts?] }` the `arg` must
 * be what `Class`'s `init` takes (and may be left out only when that accepts
 * `undefined`), and in `[Class, arg]` what its `static childSpec` takes (its `init`'s
 * argument unless it overrides `childSpec`). Anything else is checked as a
 * {@link ChildInput}.
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
  ? readonly [
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
    ? {
        /** `[Class, arg, opts?]`, its `arg` of the type `Class`'s `init` takes. */
        readonly start: readonly [
          K,
          ...(undefined extends InitArg<K>
            ? [arg?: InitArg<K>, opts?: StartOptions]
            : [arg: InitArg<K>, opts?: StartOptions]),
        ];
      }
    : unknown;
