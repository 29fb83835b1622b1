import { serveRequest } from '../../behaviours/gen.js';
import {
  addTimer,
  cancelTimer,
  importBehaviour,
  linkOnBehalf,
  localProcess,
  makeRef,
  now,
  Pid,
  type Process,
  type Runtime,
} from '../../core/kernel.js';
import { describeDest, describeReasonBriefly } from '../../describe.js';
import { CallError, CallTimeoutError, NodeError, NoProcError, StartError } from '../../errors.js';
import type { BehaviourRef, RemoteName } from '../../types.js';
import { encode } from '../codec.js';
import type { WireCodec } from './carrier.js';
import type { Connection } from './connection.js';
import { PendingCall, type RemoteMonitors } from './monitors.js';
import { NO_PID, Op } from './ops.js';
import type { Pids } from './pids.js';

// Calls and starts across nodes, both ways: a call to a process of another node (a
// monitor and a SEND_CALL or REG_CALL, answered by ALIAS_SEND) and one from another
// node served here; a start on another node (SPAWN_REQUEST, answered by SPAWN_REPLY)
// and one from another node done here.

/** A start on another node waiting for its SPAWN_REPLY. */
interface PendingSpawn {
  resolve(pid: Pid): void;
  reject(error: unknown): void;
  readonly conn: Connection;
  readonly ref: BehaviourRef;
}

/** The calls and starts of a node layer across its connections. @internal */
export class RemoteCalls {
  readonly #runtime: Runtime;
  readonly #node: string;
  readonly #pids: Pids;
  readonly #monitors: RemoteMonitors;
  /** The codec of a start to a node no carrier reaches: its arguments are checked all the same. */
  readonly #threadCodec: WireCodec;
  /** Starts in flight on other nodes, by request id. */
  readonly #spawns = new Map<number, PendingSpawn>();
  #nextSpawnId = 1;

  constructor(runtime: Runtime, pids: Pids, monitors: RemoteMonitors, threadCodec: WireCodec) {
    this.#runtime = runtime;
    this.#node = runtime.node;
    this.#pids = pids;
    this.#monitors = monitors;
    this.#threadCodec = threadCodec;
  }

  /**
   * A call to `dest` over `conn` (`undefined`: its node cannot be reached): a monitor,
   * then the request; the reply, the monitor's firing or the timeout settles it.
   */
  call(
    caller: Process | undefined,
    dest: Pid | RemoteName,
    request: unknown,
    timeout: number,
    operation: string,
    system: boolean,
    conn: Connection | undefined,
  ): Promise<unknown> {
    if (conn === undefined) {
      // The node cannot be reached, but a request that cannot be copied is still that error.
      try {
        encode(request, this.#pids, operation);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.reject(
        new CallError(
          `${operation} to ${describeDest(dest)} failed: node ${dest.node} cannot be reached (noconnection)`,
          'noconnection',
          dest,
        ),
      );
    }
    let wire: unknown;
    try {
      const codec = conn.codec;
      wire =
        system && codec.encodeSystem !== undefined
          ? codec.encodeSystem(request, operation)
          : codec.encode(request, operation);
    } catch (error) {
      return Promise.reject(error);
    }
    if (dest instanceof Pid && conn.stale(dest)) {
      return Promise.reject(new NoProcError(operation, dest));
    }
    const ref = makeRef(this.#runtime);
    const fromId = caller === undefined ? NO_PID : caller.pid.id;
    if (caller !== undefined) this.#pids.exportPid(caller.pid);
    return new Promise((resolve, reject) => {
      const pending = new PendingCall(resolve, reject, dest, operation);
      this.#monitors.watch({ owner: pending, ref, target: dest, conn });
      if (timeout !== Number.POSITIVE_INFINITY) {
        pending.expire = () => {
          if (this.#monitors.forget(ref.id)) {
            conn.push(Op.DEMONITOR_P, ref.id);
            reject(new CallTimeoutError(operation, dest, timeout));
          }
        };
        pending.deadline = now(this.#runtime) + timeout;
        addTimer(this.#runtime, pending);
      }
      if (dest instanceof Pid) {
        conn.push(Op.MONITOR_P, fromId, dest.id, dest.creation, ref.id);
        conn.push(Op.SEND_CALL, dest.id, dest.creation, fromId, ref.id, system, wire);
      } else {
        conn.push(Op.MONITOR_P, fromId, dest.name, 0, ref.id);
        conn.push(Op.REG_CALL, dest.name, fromId, ref.id, system, wire);
      }
    });
  }

  /** Starts `ref` with `arg` on `node`, over `conn` (`undefined`: the node cannot be reached). */
  spawnRequest(
    node: string,
    ref: BehaviourRef,
    arg: unknown,
    opts: { name?: unknown; timeout?: number },
    parent: Process | undefined,
    conn: Connection | undefined,
  ): Promise<Pid> {
    const operation = `start of ${ref.export} on ${node}`;
    let wireArg: unknown;
    let wireOpts: unknown;
    try {
      const codec = conn?.codec ?? this.#threadCodec;
      wireArg = codec.encode(arg, operation);
      wireOpts = codec.encode(opts, operation);
    } catch (error) {
      return Promise.reject(error);
    }
    if (conn === undefined) {
      return Promise.reject(
        new NodeError(
          `start of ${ref.export} on ${node} failed: node ${node} cannot be reached (noconnection)`,
          node,
          'noconnection',
        ),
      );
    }
    const id = this.#nextSpawnId++;
    if (parent !== undefined) this.#pids.exportPid(parent.pid);
    return new Promise<Pid>((resolve, reject) => {
      this.#spawns.set(id, { resolve, reject, conn, ref });
      conn.push(
        Op.SPAWN_REQUEST,
        id,
        parent === undefined ? NO_PID : parent.pid.id,
        ref.module,
        ref.export,
        wireArg,
        wireOpts,
      );
    });
  }

  // ---- what comes from other nodes: the fields of one control message, b[i]... ----

  /** ALIAS_SEND or ALIAS_SEND_ERROR: refId, the reply or the error. */
  onReply(conn: Connection, op: number, b: unknown[], i: number): void {
    // The server dropped the call's monitor as it replied (as OTP's alias monitors
    // with reply_demonitor do): no DEMONITOR_P to send.
    const call = this.#monitors.takeCall(b[i] as number);
    if (call === undefined) return;
    if (call.expire !== undefined) cancelTimer(this.#runtime, call);
    if (op === Op.ALIAS_SEND) call.resolve(conn.codec.decode(b[i + 1]));
    else call.reject(conn.codec.decode(b[i + 1]));
  }

  /** SEND_CALL or REG_CALL to `proc`: fromId (-1: none), refId, system, request at b[i]... */
  onCall(conn: Connection, proc: Process | undefined, b: unknown[], i: number): void {
    if (proc === undefined) return; // The monitor sent before it already answered noproc.
    const fromId = b[i] as number;
    const refId = b[i + 1] as number;
    const system = b[i + 2] as boolean;
    const request = conn.codec.decode(b[i + 3]);
    const caller = fromId === NO_PID ? undefined : this.#pids.their(conn, fromId);
    serveRequest(
      this.#runtime,
      proc,
      caller,
      request,
      proc.pid,
      'a call from another node',
      system,
    ).then(
      (reply) => {
        // The call's monitor ends with the reply (OTP's alias monitor with
        // reply_demonitor): the caller sends no DEMONITOR_P for it.
        this.#monitors.dropIn(conn, refId);
        let wire: unknown;
        try {
          wire = conn.codec.encode(reply, `the reply to a call from ${conn.node}`);
        } catch (error) {
          conn.push(Op.ALIAS_SEND_ERROR, refId, conn.codec.encode(error, 'reply'));
          return;
        }
        conn.push(Op.ALIAS_SEND, refId, wire);
      },
      () => {
        // The server exited first: the caller's monitor tells it why.
      },
    );
  }

  /**
   * Starts what a SPAWN_REQUEST names, then answers: the pid, or why it failed. A child
   * of a remote supervisor is linked to it before the answer goes, so the supervisor
   * sees the link (the LINK travels first) as a local startLink would give it.
   */
  onSpawnRequest(conn: Connection, b: unknown[], i: number): void {
    const id = b[i] as number;
    const parentId = b[i + 1] as number;
    const ref: BehaviourRef = { module: b[i + 2] as string, export: b[i + 3] as string };
    const arg = conn.codec.decode(b[i + 4]);
    const opts = conn.codec.decode(b[i + 5]) as { name?: string; timeout?: number };
    const runtime = this.#runtime;
    const started = importBehaviour(ref).then((Class) =>
      runtime.start(Class, arg as never, { name: opts.name, timeout: opts.timeout }),
    );
    started.then(
      (pid) => {
        const proc = localProcess(runtime, pid);
        if (parentId !== NO_PID && proc !== undefined) {
          linkOnBehalf(runtime, proc, this.#pids.their(conn, parentId));
        }
        this.#pids.exportPid(pid);
        conn.push(Op.SPAWN_REPLY, id, true, pid.id);
      },
      (error: unknown) => {
        let wire: unknown;
        try {
          wire = conn.codec.encode(error, 'start');
        } catch {
          wire = conn.codec.encode(
            new StartError(
              `start of ${ref.export} on ${this.#node} failed: ${describeReasonBriefly(error)}`,
              describeReasonBriefly(error),
            ),
            'start',
          );
        }
        conn.push(Op.SPAWN_REPLY, id, false, wire);
      },
    );
  }

  /** SPAWN_REPLY: reqId, ok, pid id or error. */
  onSpawnReply(conn: Connection, b: unknown[], i: number): void {
    const spawn = this.#spawns.get(b[i] as number);
    if (spawn === undefined) return;
    this.#spawns.delete(b[i] as number);
    if (b[i + 1] === true) spawn.resolve(this.#pids.their(conn, b[i + 2] as number));
    else spawn.reject(conn.codec.decode(b[i + 2]));
  }

  /** `conn` is gone: the starts in flight on its node fail. */
  lost(conn: Connection): void {
    const node = conn.node;
    for (const [id, spawn] of this.#spawns) {
      if (spawn.conn !== conn) continue;
      this.#spawns.delete(id);
      spawn.reject(
        new NodeError(
          `start of ${spawn.ref.export} on ${node} failed: the connection to ${node} was lost (noconnection)`,
          node,
          'noconnection',
        ),
      );
    }
  }
}
