import { describeDest, describeValue } from '../describe.js';
import { AlreadyRegisteredError } from '../errors.js';
import type { Dest, Name, RemoteName, ViaName } from '../types.js';
import { Pid } from './pid.js';
import { type Process, processOf, type ViaTable } from './process.js';

export type { ViaTable };

/** Whether `value` is a `{ via, key }` name. @internal */
export function isViaName(value: unknown): value is ViaName {
  return typeof value === 'object' && value !== null && !(value instanceof Pid) && 'via' in value;
}

/**
 * Checks that `name` is a name: a non-empty string, or `{ via, key }` whose `via` is
 * a non-empty string or a pid.
 * @internal
 */
export function assertName(
  name: unknown,
  operation: string,
  argument = 'name',
): asserts name is Name {
  if (typeof name === 'string') {
    if (name.length > 0) return;
  } else if (isViaName(name)) {
    const via = name.via;
    if ((typeof via === 'string' && via.length > 0) || via instanceof Pid) return;
    throw new TypeError(
      `${operation}: expected \`${argument}.via\` to be a Registry's name or pid, got ${describeValue(via, 200)}`,
    );
  }
  throw new TypeError(
    `${operation}: expected \`${argument}\` to be a non-empty string or { via, key }, got ${describeValue(name, 200)}`,
  );
}

/** Whether `value` is a `{ name, node }` destination (Erlang's `{Name, Node}`). @internal */
export function isRemoteName(value: unknown): value is RemoteName {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Pid) &&
    typeof (value as { node?: unknown }).node === 'string' &&
    typeof (value as { name?: unknown }).name === 'string' &&
    !('via' in value)
  );
}

/** Checks that `dest` is a pid, a name, or a `{ name, node }`. @internal */
export function assertDest(
  dest: unknown,
  operation: string,
  argument = 'dest',
): asserts dest is Dest {
  if (dest instanceof Pid) return;
  if (typeof dest === 'string' || isViaName(dest)) {
    assertName(dest, operation, argument);
    return;
  }
  if (isRemoteName(dest) && dest.name.length > 0 && dest.node.length > 0) return;
  throw new TypeError(
    `${operation}: expected \`${argument}\` to be a pid, a name or { name, node }, got ${describeValue(dest, 200)}`,
  );
}

/**
 * The runtime's name table: local string names, plus resolution of via names
 * through the Registry they name. A process holds at most one name; it is freed
 * when the process exits.
 * @internal
 */
export class NameTable {
  /**
   * Name → pid rather than → record: `whereis` then answers without touching the
   * process, which at a hundred thousand names is a cache miss per lookup.
   */
  readonly #local = new Map<string, Pid>();

  get size(): number {
    return this.#local.size;
  }

  localNames(): string[] {
    return [...this.#local.keys()];
  }

  /** The live process holding `name`, if any. Throws for a via name whose registry is not a Registry. */
  resolve(name: Name): Process | undefined {
    if (typeof name === 'string') {
      const pid = this.#local.get(name);
      return pid === undefined ? undefined : processOf(pid);
    }
    return this.#viaTable(name, false)?.whereis(name.key);
  }

  /** The pid holding `name`, if any: `resolve` without reaching the record for a local name. */
  whereis(name: Name): Pid | undefined {
    if (typeof name === 'string') return this.#local.get(name);
    return this.#viaTable(name, false)?.whereis(name.key)?.pid;
  }

  register(name: Name, proc: Process, operation: string): void {
    if (proc.name !== undefined) {
      throw new AlreadyRegisteredError(
        operation,
        name,
        proc.pid,
        `${operation}: cannot register ${describeDest(name)} for ${proc.pid}: it already has the name ${describeDest(proc.name)}, and a process holds one name at most`,
      );
    }
    if (typeof name === 'string') {
      const holder = this.#local.get(name);
      if (holder !== undefined) throw new AlreadyRegisteredError(operation, name, holder);
      this.#local.set(name, proc.pid);
    } else {
      const table = this.#viaTable(name, true);
      if (table === undefined) {
        throw new TypeError(
          `${operation}: the Registry ${describeDest(name.via)} of ${describeDest(name)} is not running`,
        );
      }
      table.registerName(name.key, proc);
    }
    proc.name = name;
  }

  /** Frees `name` if a process holds it; returns whether one did. */
  unregister(name: Name): boolean {
    const proc = this.resolve(name);
    if (proc === undefined) return false;
    this.release(proc);
    return true;
  }

  /** Frees whatever name `proc` holds. */
  release(proc: Process): void {
    const name = proc.name;
    if (name === undefined) return;
    proc.name = undefined;
    if (typeof name === 'string') {
      if (this.#local.get(name) === proc.pid) this.#local.delete(name);
    } else {
      this.#viaTable(name, false)?.unregisterName(name.key, proc);
    }
  }

  clear(): void {
    this.#local.clear();
  }

  #viaTable(name: ViaName, forRegistration: boolean): ViaTable | undefined {
    const via = name.via instanceof Pid ? name.via : this.#local.get(name.via);
    const registry = via === undefined ? undefined : processOf(via);
    if (registry === undefined || !registry.alive) return undefined;
    const table = registry.extras?.viaTable;
    if (table === undefined) {
      throw new TypeError(
        `${forRegistration ? 'registering' : 'resolving'} ${describeDest(name)}: ${describeDest(name.via)} is ${registry.pid}, which is not a Registry`,
      );
    }
    return table;
  }
}
