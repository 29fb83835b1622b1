import { localProcess, lookup, Pid, type Process, Ref, type Runtime } from '../../core/kernel.js';
import type { CodecHost } from '../codec.js';
import type { Connection } from './connection.js';

// Pid and ref identity across nodes: a pid or ref that comes from another node is one
// object for as long as anything holds it (so that `===` and Map keys work on it as on
// a local one), and one of ours that comes back is the object that left.

const finalizer = new FinalizationRegistry<{ map: Map<unknown, WeakRef<object>>; key: unknown }>(
  ({ map, key }) => {
    const held = map.get(key);
    if (held !== undefined && held.deref() === undefined) map.delete(key);
  },
);

/** `map.get(key)`, if still alive; else `make()`, remembered weakly. */
function interned<K, T extends object>(map: Map<K, WeakRef<T>>, key: K, make: () => T): T {
  const found = map.get(key)?.deref();
  if (found !== undefined) return found;
  const made = make();
  map.set(key, new WeakRef(made));
  finalizer.register(made, { map: map as Map<unknown, WeakRef<object>>, key });
  return made;
}

/**
 * The pids and refs a node layer has met, each as one object, and the local processes
 * they name: the host of its codecs. @internal
 */
export class Pids implements CodecHost {
  readonly #runtime: Runtime;
  readonly #node: string;
  readonly #creation: number;
  /** The node layer's connections: a pid of a connected node's incarnation is its connection's. */
  readonly #connections: ReadonlyMap<string, Connection>;
  /** Our pids that went to other nodes, so they come back as the same objects. */
  readonly #exported = new Map<number, WeakRef<Pid>>();
  readonly #exportedRefs = new Map<number, WeakRef<Ref>>();
  /** Pids and refs of nodes we have no connection to, or of their earlier incarnations. */
  readonly #strangers = new Map<string, WeakRef<Pid | Ref>>();

  constructor(runtime: Runtime, connections: ReadonlyMap<string, Connection>) {
    this.#runtime = runtime;
    this.#node = runtime.node;
    this.#creation = runtime.creation;
    this.#connections = connections;
  }

  pid(node: string, id: number, creation: number): Pid {
    if (node === this.#node) {
      if (creation === this.#creation) {
        const pid = this.#exported.get(id)?.deref();
        if (pid !== undefined) return pid;
      }
      return interned(
        this.#strangers,
        `p${node}\u0000${id}\u0000${creation}`,
        () => new Pid(node, id, creation),
      ) as Pid;
    }
    const conn = this.#connections.get(node);
    if (conn !== undefined && conn.creation === creation) {
      return interned(conn.pids, id, () => new Pid(node, id, creation));
    }
    return interned(
      this.#strangers,
      `p${node}\u0000${id}\u0000${creation}`,
      () => new Pid(node, id, creation),
    ) as Pid;
  }

  ref(node: string, id: number, creation: number): Ref {
    if (node === this.#node && creation === this.#creation) {
      // A ref of ours that never left as a value (a call's or a monitor's, written in a
      // control message) has no object anyone compares it with: no need to intern it.
      return this.#exportedRefs.get(id)?.deref() ?? new Ref(node, id, creation);
    }
    return interned(
      this.#strangers,
      `r${node}\u0000${id}\u0000${creation}`,
      () => new Ref(node, id, creation),
    ) as Ref;
  }

  exportPid(pid: Pid): void {
    if (pid.node !== this.#node || this.#exported.has(pid.id)) return;
    this.#exported.set(pid.id, new WeakRef(pid));
    finalizer.register(pid, { map: this.#exported as Map<unknown, WeakRef<object>>, key: pid.id });
  }

  exportRef(ref: Ref): void {
    if (ref.node !== this.#node || this.#exportedRefs.has(ref.id)) return;
    this.#exportedRefs.set(ref.id, new WeakRef(ref));
    finalizer.register(ref, {
      map: this.#exportedRefs as Map<unknown, WeakRef<object>>,
      key: ref.id,
    });
  }

  /** The last process `local` found: messages come in runs to one process. */
  #lastLocal: Process | undefined = undefined;

  /** The live local process with this id (of our current incarnation). */
  local(id: number, creation: number): Process | undefined {
    if (creation !== this.#creation) return undefined;
    const last = this.#lastLocal;
    if (last !== undefined && last.pid.id === id && last.alive) return last;
    const pid = this.#exported.get(id)?.deref();
    const proc = pid === undefined ? undefined : localProcess(this.#runtime, pid);
    this.#lastLocal = proc;
    return proc;
  }

  /** The sending node's pid `id`. */
  their(conn: Connection, id: number): Pid {
    return interned(conn.pids, id, () => new Pid(conn.node, id, conn.creation));
  }

  /** The live local process `id`, whatever the incarnation its sender knew. */
  localById(id: number): Process | undefined {
    return this.local(id, this.#creation);
  }

  /** The local process registered under `name`, if any. */
  named(name: string): Process | undefined {
    try {
      return lookup(this.#runtime, name, 'REG_SEND');
    } catch {
      return undefined;
    }
  }

  /** The connection to `conn.node` is made: pids of that incarnation met before it become its pids. */
  adopt(conn: Connection): void {
    const prefix = `p${conn.node}\u0000`;
    for (const [key, held] of this.#strangers) {
      if (!key.startsWith(prefix)) continue;
      const pid = held.deref();
      if (pid instanceof Pid && pid.creation === conn.creation) {
        this.#strangers.delete(key);
        conn.pids.set(pid.id, new WeakRef(pid));
      }
    }
  }
}
