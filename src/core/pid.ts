// A leaf: pids and refs are what every other module names processes and monitors
// with, so this file imports nothing.

/** The node name of a runtime that is not distributed, as in Erlang. */
export const LOCAL_NODE = 'nonode@nohost';

/**
 * The number a pid of each node prints with in this thread: 0 for the nodes that
 * live here, then 1, 2... in the order other nodes are first printed, as Erlang
 * numbers the nodes it knows. Per thread, as the pid objects themselves are.
 */
const nodeNumbers = new Map<string, number>([[LOCAL_NODE, 0]]);
let nextNodeNumber = 1;

/** Marks `node` as one that lives in this thread: its pids print `<0.…>`. @internal */
export function markLocalNode(node: string): void {
  nodeNumbers.set(node, 0);
}

/** The number pids of `node` print with. */
function nodeNumber(node: string): number {
  let n = nodeNumbers.get(node);
  if (n === undefined) {
    n = nextNodeNumber++;
    nodeNumbers.set(node, n);
  }
  return n;
}

/** Node.js's `util.inspect.custom`, a registered symbol: no import needed for it. */
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * The record behind a pid, or `undefined` for a dead (or never started) process.
 * Only `core/process.ts` calls it, through its typed `processOf`. @internal
 */
export let recordOf: (pid: Pid) => unknown;

/** Points a pid at its process record, or at nothing once the process has exited. @internal */
export let bindRecord: (pid: Pid, record: unknown) => void;

/**
 * A process identifier, as inert as Erlang's: its node, number and creation, and
 * nothing else. Holding a pid gives no power over its process beyond what `send`,
 * `link`, `monitor` and `exit` through the API give; only the process's own `self`
 * acts as the process. There is one `Pid` object per process for the life of its
 * runtime, so pids compare with `===` and work as `Map` keys. `String(pid)` is
 * Erlang-like: `<0.42.0>`.
 *
 * @example
 * ```ts
 * const pid = rt.spawn(async (self) => { await self.receive(); });
 * console.log(String(pid)); // <0.1.0>
 * rt.whereis('Test1') === pid;
 * ```
 */
export class Pid {
  /** The node the process lives on: `'nonode@nohost'` for a runtime that is not distributed. */
  readonly node: string;
  /** The process number, unique within its node. */
  readonly id: number;
  /** The node's incarnation: a pid of an earlier incarnation names a dead process. */
  readonly creation: number;
  /**
   * The runtime's record of the live process, or `undefined` once it has exited. A
   * private field, so no code outside this class can read it (not even by reflection):
   * the core reaches it through {@link recordOf}, and a send costs no table lookup.
   */
  #record: unknown = undefined;

  /** @internal */
  constructor(node: string, id: number, creation: number) {
    this.node = node;
    this.id = id;
    this.creation = creation;
  }

  /**
   * The Erlang-like text of the pid.
   * @example
   * ```ts
   * `${pid}` // '<0.42.0>'
   * ```
   */
  toString(): string {
    // Erlang's third number, the serial, is always 0 here: ids do not wrap. The first
    // is 0 for a pid of this thread's nodes, and the node's number for another's.
    return `<${nodeNumber(this.node)}.${this.id}.0>`;
  }

  /**
   * The same text as {@link Pid.toString}, so a pid inside `JSON.stringify` reads as one.
   * @example
   * ```ts
   * JSON.stringify({ pid }); // '{"pid":"<0.42.0>"}'
   * ```
   */
  toJSON(): string {
    return this.toString();
  }

  /** How `console.log` shows a pid. @internal */
  [inspectCustom](): string {
    return this.toString();
  }

  static {
    recordOf = (pid) => pid.#record;
    bindRecord = (pid, record) => {
      pid.#record = record;
    };
  }
}

/**
 * A unique reference, as made by Erlang's `make_ref()`: monitors, calls and timers
 * are named by one. Compare refs with `===`.
 *
 * @example
 * ```ts
 * const ref = self.monitor(pid);
 * const down = await self.receive({ match: (m) => m instanceof Down && m.ref === ref });
 * ```
 */
export class Ref {
  /** The node that made it. */
  readonly node: string;
  /** The reference number, unique within its node. */
  readonly id: number;
  /** The node's incarnation when it was made. */
  readonly creation: number;

  /** @internal */
  constructor(node: string, id: number, creation: number) {
    this.node = node;
    this.id = id;
    this.creation = creation;
  }

  /**
   * The Erlang-like text of the ref.
   * @example
   * ```ts
   * `${ref}` // '#Ref<0.0.0.7>'
   * ```
   */
  toString(): string {
    return `#Ref<${nodeNumber(this.node)}.0.0.${this.id}>`;
  }

  /**
   * The same text as {@link Ref.toString}.
   * @example
   * ```ts
   * JSON.stringify({ ref }); // '{"ref":"#Ref<0.0.0.7>"}'
   * ```
   */
  toJSON(): string {
    return this.toString();
  }

  /** How `console.log` shows a ref. @internal */
  [inspectCustom](): string {
    return this.toString();
  }
}
