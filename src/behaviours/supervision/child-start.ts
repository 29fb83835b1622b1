import {
  addTimer,
  awaitExitOf,
  cancelTimer,
  importBehaviour,
  isBehaviourRef,
  isRemotePid,
  now,
  Pid,
  processOfSelf,
  type Self,
  type StartOptions,
  type TimerEntry,
} from '../../core/kernel.js';
import { describeReasonBriefly, describeValue } from '../../describe.js';
import { NodeError, StartError } from '../../errors.js';
import type { BehaviourRef, ExitReason } from '../../types.js';
import { startServer } from '../gen-server.js';
import type { NormalizedChildSpec, ShutdownSpec, StartFunction } from './child-spec.js';

/** The outcome of starting a child: its pid, `undefined` when its init returned `ignore()`, or why it failed. @internal */
export type ChildStart =
  | { ok: true; pid: Pid | undefined }
  | { ok: false; reason: unknown; cause: unknown };

/**
 * Starts one child linked to the supervisor `sup`, from its spec's arguments:
 * resolves with its pid, rejects with why it failed (see {@link startFailure}). A
 * `[Class, arg, opts]` child is the promise of `startServer` itself: a restart then
 * costs no async layer of its own.
 * @internal
 */
export function startChild(sup: Self, spec: NormalizedChildSpec): Promise<Pid> {
  const start = spec.start;
  if (typeof start === 'function') return startWithFunction(sup, spec.id, start);
  try {
    const Behaviour = start[0];
    if (isBehaviourRef(Behaviour)) return startByRef(sup, Behaviour, start[1], start[2]);
    // Indexed, not destructured: destructuring a tuple may build an iterator.
    return startServer(sup.runtime, Behaviour, start[1], start[2], sup);
  } catch (error) {
    // A hostile class (a Proxy that throws) fails its start; it must not crash the supervisor.
    return Promise.reject(error);
  }
}

/**
 * Starts the class `ref` names, linked to the supervisor: imported here for this
 * node, or started on `opts.node` through the node layer (Erlang's remote spawn).
 */
async function startByRef(
  sup: Self,
  ref: BehaviourRef,
  arg: unknown,
  opts: StartOptions | undefined,
): Promise<Pid> {
  const runtime = sup.runtime;
  const node = opts?.node ?? runtime.node;
  const local = { name: opts?.name, timeout: opts?.timeout };
  if (node === runtime.node)
    return startServer(runtime, await importBehaviour(ref), arg, local, sup);
  const router = runtime.router;
  if (router === undefined) {
    throw new NodeError(
      `start of ${ref.export} on ${node} failed: runtime ${runtime.name} is not a node (give it a node name)`,
      node,
      'not_alive',
    );
  }
  return router.spawnRequest(node, ref, arg, local, processOfSelf(sup));
}

async function startWithFunction(sup: Self, id: unknown, start: StartFunction): Promise<Pid> {
  const pid: unknown = await start(sup);
  if (!(pid instanceof Pid) || (!isRemotePid(sup.runtime, pid) && !sup.runtime.isAlive(pid))) {
    throw new TypeError(
      `the start function of child ${describeValue(id, 100)} resolved with ${describeValue(pid, 100)}, not a live pid`,
    );
  }
  sup.link(pid); // The function should have linked it; linking twice is harmless.
  return pid;
}

/**
 * What the rejection of {@link startChild} means: `undefined` when the child's init
 * returned `ignore()` (started, but not running), else why it failed.
 * @internal
 */
export function startFailure(error: unknown): { reason: unknown; cause: unknown } | undefined {
  if (error instanceof StartError) {
    return error.reason === 'ignore' ? undefined : { reason: error.reason, cause: error };
  }
  return { reason: error, cause: error };
}

/** {@link startChild}, its outcome as a value. @internal */
export async function startChildProcess(sup: Self, spec: NormalizedChildSpec): Promise<ChildStart> {
  try {
    return { ok: true, pid: await startChild(sup, spec) };
  } catch (error) {
    const failure = startFailure(error);
    return failure === undefined ? { ok: true, pid: undefined } : { ok: false, ...failure };
  }
}

/** The StartError a supervisor reports for a child that failed to start. @internal */
export function childStartError(
  supervisor: string,
  spec: NormalizedChildSpec,
  failure: { reason: unknown; cause: unknown },
): StartError {
  return new StartError(
    `${supervisor} failed to start child ${describeValue(spec.id, 100)}${childModule(spec)}: ${describeReasonBriefly(failure.reason)}`,
    failure.reason,
    spec.id,
    { cause: failure.cause },
  );
}

/** ` (Class)` for a child started from `[Class, arg]`, naming what failed; else nothing. */
function childModule(spec: NormalizedChildSpec): string {
  const start = spec.start;
  if (typeof start === 'function') return '';
  try {
    if (isBehaviourRef(start[0])) return ` (${start[0].export})`;
    const name = (start[0] as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? ` (${name})` : '';
  } catch {
    return ''; // A class whose name cannot be read (a hostile Proxy).
  }
}

const LATE: unique symbol = Symbol('late');

/**
 * Stops a child as OTP does: exit signal `'shutdown'`, then `'kill'` once its
 * `shutdown` ms pass (`'brutal_kill'`: kill at once; `'infinity'`: wait).
 * Resolves with its exit reason.
 * @internal
 */
export async function shutdownChild(
  sup: Self,
  pid: Pid,
  shutdown: ShutdownSpec,
): Promise<ExitReason> {
  const runtime = sup.runtime;
  if (!isRemotePid(runtime, pid) && !runtime.isAlive(pid)) return 'noproc';
  const exited = awaitExitOf(runtime, pid);
  if (shutdown === 'brutal_kill') {
    sup.exit(pid, 'kill');
    return exited;
  }
  sup.exit(pid, 'shutdown');
  if (shutdown === 'infinity') return exited;
  // On the runtime's timers, so that a virtual clock (otp-ts/testing) runs it too.
  let timer: TimerEntry | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = { deadline: now(runtime) + shutdown, cancelled: false, fire: () => resolve(LATE) };
    addTimer(runtime, timer);
  });
  try {
    const outcome = await Promise.race([exited, late]);
    if (outcome !== LATE) return outcome;
    sup.exit(pid, 'kill');
    return await exited;
  } finally {
    if (timer !== undefined) cancelTimer(runtime, timer);
  }
}
