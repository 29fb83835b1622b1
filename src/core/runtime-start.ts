import { describeValue } from '../describe.js';
import { StartError } from '../errors.js';
import type { BehaviourRef } from '../types.js';
import { dynamicImport } from './dynamic-import.js';
import type { Pid } from './pid.js';
import { type NodeHost, nodeService } from './runtime-nodes.js';
import {
  type BehaviourClass,
  isBehaviourRef,
  type StartOptions,
  startBehaviour,
} from './runtime-types.js';

/** What `rt.start` needs from the runtime. @internal */
export interface StartHost extends NodeHost {
  /** `rt.start` itself: a class named by a ref is started, once imported, as any class. */
  start(Behaviour: BehaviourClass, arg: never, opts?: StartOptions): Promise<Pid>;
}

type StartFunction = (
  runtime: StartHost,
  arg: unknown,
  opts: StartOptions | undefined,
) => Promise<Pid>;

/** `Class[startBehaviour]` when it is a function: what makes `Class` a behaviour class. */
function startFunctionOf(Class: unknown): StartFunction | undefined {
  let start: unknown;
  try {
    start =
      typeof Class === 'function'
        ? (Class as unknown as Record<symbol, unknown>)[startBehaviour]
        : undefined;
  } catch {
    start = undefined; // A class whose statics cannot be read (a Proxy that throws).
  }
  return typeof start === 'function' ? (start as StartFunction) : undefined;
}

/** `rt.start`: a behaviour by its class, or by its module and export on any node. @internal */
export function start(
  host: StartHost,
  Behaviour: BehaviourClass | BehaviourRef,
  arg: unknown,
  opts: StartOptions | undefined,
): Promise<Pid> {
  if (isBehaviourRef(Behaviour)) return startRef(host, Behaviour, arg, opts);
  if (opts?.node !== undefined && opts.node !== host.node) {
    return Promise.reject(
      new TypeError(
        `start: a class cannot travel to node ${opts.node}; name it by its module instead: rt.start({ module, export }, arg, { node })`,
      ),
    );
  }
  const starter = startFunctionOf(Behaviour);
  if (starter === undefined) {
    return Promise.reject(
      new TypeError(
        `start: expected a GenServer class (or Supervisor, Registry...), got ${describeValue(Behaviour, 100)}`,
      ),
    );
  }
  return starter.call(Behaviour, host, arg, opts);
}

/** Starts the class `ref` names, on this node (imported here) or on another. */
async function startRef(
  host: StartHost,
  ref: BehaviourRef,
  arg: unknown,
  opts: StartOptions | undefined,
): Promise<Pid> {
  const node = opts?.node ?? host.node;
  if (typeof node !== 'string') {
    throw new TypeError(
      `start: expected \`opts.node\` to be a node name, got ${describeValue(node, 100)}`,
    );
  }
  const local = { name: opts?.name, timeout: opts?.timeout };
  if (node !== host.node) {
    return nodeService(host, `start of ${ref.export} on ${node}`).spawnRequest(
      node,
      ref,
      arg,
      local,
      undefined,
    );
  }
  return host.start(await importBehaviour(ref), arg as never, local);
}

/**
 * The behaviour class `ref.module` exports as `ref.export`.
 * @throws StartError naming the module and export when it cannot be imported or is
 * not a behaviour class.
 * @internal
 */
export async function importBehaviour(ref: BehaviourRef): Promise<BehaviourClass> {
  let module: Record<string, unknown>;
  try {
    module = (await dynamicImport(ref.module)) as Record<string, unknown>;
  } catch (error) {
    throw new StartError(
      `start of ${ref.export} from ${ref.module} failed: the module cannot be imported (${describeValue(error, 200)})`,
      error,
      undefined,
      { cause: error },
    );
  }
  const Class = module[ref.export];
  if (startFunctionOf(Class) === undefined) {
    throw new StartError(
      `start of ${ref.export} from ${ref.module} failed: the module's export ${ref.export} is ${describeValue(Class, 100)}, not a behaviour class (a GenServer, Supervisor...)`,
      'bad_export',
    );
  }
  return Class as BehaviourClass;
}
