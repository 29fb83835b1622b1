import {
  BitBinary,
  copyMessage,
  Down,
  Exit,
  ImproperList,
  NodeDown,
  OpaqueTerm,
  Pid,
  Ref,
  registeredClass,
  registeredClassOf,
  Tuple,
} from '../core/kernel.js';
import { reviveError, reviveInstance } from './revive.js';

// Messages between nodes, by the copy rules of SPEC section 1. What a carrier moves
// must survive the structured clone of `postMessage` (and, later, a byte encoding):
// plain data passes as it is; pids, refs, symbols made by `Symbol.for`, `Exit`,
// `Down`, `NodeDown`, errors, registered classes and the Erlang terms of
// core/terms.ts (`Tuple`...) become tagged plain objects, and
// are revived on the other side with their identity or prototype. The tag is a key no
// user object has in practice (`"\u0000"`); a user object that has it is escaped.

/** The key of a tagged value. */
const TAG = '\u0000';

/** How deep a message may nest: deeper is taken for a circular structure. */
const MAX_DEPTH = 1_000;

/** What the codec needs of the node it works for: pid and ref identity. @internal */
export interface CodecHost {
  /** The one `Pid` object for `node`'s process `id` of incarnation `creation`. */
  pid(node: string, id: number, creation: number): Pid;
  /** The one `Ref` object for a ref of `node`. */
  ref(node: string, id: number, creation: number): Ref;
  /** A local pid leaves the node: remember it, so that it comes back as the same object. */
  exportPid(pid: Pid): void;
  /** A local ref leaves the node. */
  exportRef(ref: Ref): void;
}

/** Thrown inside the encoder: the caller copies again with copyMessage to name the path. */
class Uncopyable extends Error {}

/**
 * The wire form of `value`. @throws TypeError naming what cannot be copied and where,
 * as a send under `messages: 'copy'` does. @internal
 */
export function encode(value: unknown, host: CodecHost, operation: string): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return value;
    }
  }
  try {
    return enc(value, host, 0);
  } catch (error) {
    if (!(error instanceof Uncopyable)) throw error;
    // The same rules as `messages: 'copy'`: its copy names the path of what failed.
    copyMessage(value, operation);
    throw new TypeError(
      `${operation}: cannot copy the message to another node: ${error.message}; messages between nodes are copied by value`,
    );
  }
}

function enc(value: unknown, host: CodecHost, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return value;
    case 'symbol': {
      const key = Symbol.keyFor(value);
      if (key === undefined) throw new Uncopyable('a symbol not made by Symbol.for');
      return { [TAG]: 'y', k: key };
    }
    case 'function':
      throw new Uncopyable('a function');
  }
  if (value === null) return null;
  if (depth > MAX_DEPTH) throw new Uncopyable('a structure nested too deeply (circular?)');
  const object = value as object;
  if (object instanceof Pid) {
    host.exportPid(object);
    return { [TAG]: 'p', n: object.node, i: object.id, c: object.creation };
  }
  if (object instanceof Ref) {
    host.exportRef(object);
    return { [TAG]: 'r', n: object.node, i: object.id, c: object.creation };
  }
  const d = depth + 1;
  if (Array.isArray(object)) {
    const out = new Array<unknown>(object.length);
    for (let i = 0; i < object.length; i++) out[i] = enc(object[i], host, d);
    return out;
  }
  const proto = Object.getPrototypeOf(object) as object | null;
  if (proto === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key in object) out[key] = enc((object as Record<string, unknown>)[key], host, d);
    return TAG in out ? { [TAG]: 'o', v: out } : out;
  }
  if (proto === null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      out[key] = enc((object as Record<string, unknown>)[key], host, d);
    }
    return { [TAG]: 'n', v: out };
  }
  if (object instanceof Map) {
    const entries: unknown[] = [];
    for (const [k, v] of object) entries.push(enc(k, host, d), enc(v, host, d));
    return { [TAG]: 'm', v: entries };
  }
  if (object instanceof Set) {
    const items: unknown[] = [];
    for (const v of object) items.push(enc(v, host, d));
    return { [TAG]: 's', v: items };
  }
  if (object instanceof Date || object instanceof ArrayBuffer || ArrayBuffer.isView(object)) {
    return object; // The structured clone copies these.
  }
  if (object instanceof Exit) {
    return { [TAG]: 'x', f: enc(object.from, host, d), r: enc(object.reason, host, d) };
  }
  if (object instanceof Down) {
    return {
      [TAG]: 'd',
      ref: enc(object.ref, host, d),
      p: enc(object.pid, host, d),
      r: enc(object.reason, host, d),
    };
  }
  if (object instanceof NodeDown) {
    return { [TAG]: 'N', n: object.node, r: enc(object.reason, host, d) };
  }
  if (object instanceof Tuple) return { [TAG]: 't', v: enc(object.elements, host, d) };
  if (object instanceof ImproperList) {
    return { [TAG]: 'l', v: enc(object.items, host, d), t: enc(object.tail, host, d) };
  }
  if (object instanceof BitBinary) return { [TAG]: 'b', v: object.bytes, n: object.bits };
  if (object instanceof OpaqueTerm) return { [TAG]: 'q', k: object.kind, v: object.bytes };
  if (object instanceof Error) {
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      fields[key] = enc((object as unknown as Record<string, unknown>)[key], host, d);
    }
    const Class = registeredClassOf(object);
    return {
      [TAG]: 'e',
      c: Class?.name ?? object.constructor.name,
      n: object.name,
      m: object.message,
      s: object.stack,
      ...('cause' in object ? { x: enc(object.cause, host, d) } : {}),
      f: fields,
    };
  }
  const Class = registeredClassOf(object);
  if (Class !== undefined) {
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      fields[key] = enc((object as Record<string, unknown>)[key], host, d);
    }
    return { [TAG]: 'c', c: Class.name, f: fields };
  }
  if (typeof (object as { then?: unknown }).then === 'function') throw new Uncopyable('a promise');
  throw new Uncopyable(`an instance of ${proto.constructor?.name ?? 'an unregistered class'}`);
}

/**
 * The value a wire form stands for. The wire form is the receiver's own copy (a
 * structured clone), so arrays and objects are revived in place. @internal
 */
export function decode(wire: unknown, host: CodecHost): unknown {
  if (typeof wire !== 'object' || wire === null) return wire;
  if (Array.isArray(wire)) {
    for (let i = 0; i < wire.length; i++) {
      const item = wire[i];
      if (typeof item === 'object' && item !== null) wire[i] = decode(item, host);
    }
    return wire;
  }
  if (Object.getPrototypeOf(wire) !== Object.prototype) return wire; // Date, typed array...
  const object = wire as Record<string, unknown>;
  const tag = object[TAG];
  if (tag === undefined) {
    for (const key in object) {
      const item = object[key];
      if (typeof item === 'object' && item !== null) object[key] = decode(item, host);
    }
    return object;
  }
  switch (tag) {
    case 'p':
      return host.pid(object.n as string, object.i as number, object.c as number);
    case 'r':
      return host.ref(object.n as string, object.i as number, object.c as number);
    case 'y':
      return Symbol.for(object.k as string);
    case 'o':
    case 'n': {
      // The fields one by one: `v` itself may hold the tag key (that is why it is escaped).
      const fields = object.v as Record<string, unknown>;
      for (const key of Object.keys(fields)) fields[key] = decode(fields[key], host);
      return tag === 'o' ? fields : Object.assign(Object.create(null) as object, fields);
    }
    case 'm': {
      const entries = decode(object.v, host) as unknown[];
      const map = new Map();
      for (let i = 0; i < entries.length; i += 2) map.set(entries[i], entries[i + 1]);
      return map;
    }
    case 's':
      return new Set(decode(object.v, host) as unknown[]);
    case 'x':
      return revive(Exit, { from: decode(object.f, host), reason: decode(object.r, host) });
    case 'd':
      return revive(Down, {
        ref: decode(object.ref, host),
        pid: decode(object.p, host),
        reason: decode(object.r, host),
      });
    case 'N':
      return revive(NodeDown, { node: object.n, reason: decode(object.r, host) });
    case 'e':
      return decodeError(object, host);
    case 't':
      return new Tuple(...(decode(object.v, host) as unknown[]));
    case 'l':
      return new ImproperList(decode(object.v, host) as unknown[], decode(object.t, host));
    case 'b':
      return new BitBinary(object.v as Uint8Array, object.n as number);
    case 'q':
      return new OpaqueTerm(object.k as OpaqueTerm['kind'], object.v as Uint8Array);
    case 'c': {
      const Class = registeredClass(object.c as string);
      const fields = decode(object.f, host) as Record<string, unknown>;
      // A class this node has not registered arrives as its plain fields.
      return Class === undefined ? fields : revive(Class, fields);
    }
    default:
      return object;
  }
}

/** An instance of `Class` with `fields`, its constructor not run (as a copy makes it). */
function revive(Class: abstract new (...args: never[]) => unknown, fields: object): unknown {
  return reviveInstance(Class, { ...typeFieldOf(Class), ...fields });
}

/** The `type` field the signal classes set in their constructor. */
function typeFieldOf(Class: unknown): object {
  if (Class === Exit) return { type: 'EXIT' };
  if (Class === Down) return { type: 'DOWN' };
  if (Class === NodeDown) return { type: 'NODEDOWN' };
  return {};
}

function decodeError(object: Record<string, unknown>, host: CodecHost): Error {
  return reviveError({
    className: object.c as string,
    ...(typeof object.n === 'string' ? { name: object.n } : {}),
    message: object.m as string,
    ...(object.s !== undefined ? { stack: object.s as string } : {}),
    ...('x' in object ? { cause: { value: decode(object.x, host) } } : {}),
    fields: decode(object.f, host) as object,
  });
}
