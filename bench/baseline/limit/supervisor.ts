import { type Actor, ExitSignal, type Handler, type LimitRuntime } from './runtime.js';

/** A child: its id and how to start it (linking is the supervisor's job). */
export interface ChildSpec {
  id: string;
  start: (runtime: LimitRuntime) => Actor;
}

export interface SupervisorOptions {
  /** At most this many restarts within `maxSeconds`; one more ends the supervisor. */
  maxRestarts: number;
  maxSeconds: number;
  /** Called after each restart, with the new child in place and registered. */
  onRestart?: (id: string, oldChild: Actor, newChild: Actor) => void;
}

interface SupervisorState {
  readonly specs: readonly ChildSpec[];
  /** The running child of each spec, at the same index. */
  readonly children: (Actor | undefined)[];
  /** The times of the last `maxRestarts` restarts, in a ring: no allocation per restart. */
  readonly times: Float64Array;
  next: number;
  filled: number;
  readonly windowMs: number;
  readonly onRestart: SupervisorOptions['onRestart'];
}

function startChild(sup: Actor, state: SupervisorState, index: number): Actor {
  const child = state.specs[index]!.start(sup.runtime);
  child.link = sup;
  state.children[index] = child;
  return child;
}

/** Records a restart; false when it is one too many within the window. */
function addRestart(state: SupervisorState): boolean {
  const max = state.times.length;
  if (max === 0) return false;
  const t = performance.now();
  // The oldest of the last `max` restarts still in the window: this one is the (max+1)th.
  if (state.filled === max && t - state.times[state.next]! < state.windowMs) return false;
  state.times[state.next] = t;
  state.next = (state.next + 1) % max;
  if (state.filled < max) state.filled++;
  return true;
}

/** one_for_one: a child that exits is started again in its place, within the intensity. */
const supervise: Handler = (sup, message) => {
  if (!(message instanceof ExitSignal)) return;
  const state = sup.state as SupervisorState;
  // A scan, as OTP's supervisor finds a child: supervisors hold few children.
  const index = state.children.indexOf(message.from);
  if (index < 0) return;
  state.children[index] = undefined;
  if (!addRestart(state)) {
    for (let i = state.children.length - 1; i >= 0; i--) {
      const child = state.children[i];
      if (child !== undefined) sup.runtime.exit(child, 'shutdown');
    }
    sup.runtime.exit(sup, 'shutdown');
    return;
  }
  const child = startChild(sup, state, index);
  state.onRestart?.(state.specs[index]!.id, message.from, child);
};

/** Spawns a one_for_one supervisor and starts its children in order. */
export function startSupervisor(
  runtime: LimitRuntime,
  specs: readonly ChildSpec[],
  opts: SupervisorOptions,
): Actor {
  const state: SupervisorState = {
    specs,
    children: specs.map(() => undefined),
    times: new Float64Array(opts.maxRestarts),
    next: 0,
    filled: 0,
    windowMs: opts.maxSeconds * 1000,
    onRestart: opts.onRestart,
  };
  const sup = runtime.spawn(supervise, state);
  for (let i = 0; i < specs.length; i++) startChild(sup, state, i);
  return sup;
}
