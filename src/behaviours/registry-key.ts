import { Pid, Ref } from '../core/kernel.js';
import { describeValue, safeMessage } from '../describe.js';

// Registry keys compare by value, as Erlang terms do: `{ user: 42 }` registered is
// found by another `{ user: 42 }`. A key's canonical form is what the registry's maps
// are keyed by: the key itself for a primitive, a pid or a ref (Map compares those
// right already, and it costs nothing), and a string for an array or a plain object,
// built so that two structurally equal keys give the same string and no two different
// keys do. Lookups stay O(1) in the number of keys: no scan.

/** Starts the canonical string of an array or object key; a string key starting with it is escaped. */
const COMPOSITE = '\u0001';

/**
 * The canonical form of `key`.
 * @throws TypeError for a key of another kind (a function, a class instance, a
 * symbol...), naming where in the key it was found.
 * @internal
 */
export function canonicalKey(key: unknown, operation: string): unknown {
  switch (typeof key) {
    case 'string':
      // Rare: a string that could be taken for a composite key's form is escaped.
      return key.startsWith(COMPOSITE) ? COMPOSITE + key : key;
    case 'number':
      // 0 and -0 are one key, as Map keys are; NaN is NaN.
      return key;
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return key;
    case 'object':
      if (key === null) return key;
      try {
        if (key instanceof Pid || key instanceof Ref) return key;
        return COMPOSITE + encode(key, operation, 'key', new Set());
      } catch (error) {
        if (error instanceof TypeError && error.message.startsWith(`${operation}:`)) throw error;
        // A key that cannot be read (a getter or a Proxy trap that throws).
        throw new TypeError(
          `${operation}: the key could not be read: ${safeMessage(error)}; a key is data: a string, number, boolean, null, undefined, bigint, pid, ref, or an array or plain object of these`,
        );
      }
    default:
      throw badKey(key, operation, 'key');
  }
}

function encode(value: unknown, operation: string, path: string, within: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? 'n0' : `n${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'bigint':
      return `i${value}`;
    case 'undefined':
      return 'u';
    case 'object': {
      if (value === null) return 'z';
      // A pid or ref of this runtime: its node, number and creation say which.
      if (value instanceof Pid) return `p${value.node}.${value.id}.${value.creation}`;
      if (value instanceof Ref) return `r${value.node}.${value.id}.${value.creation}`;
      if (within.has(value)) {
        throw new TypeError(`${operation}: expected \`${path}\` to be data, got a circular value`);
      }
      within.add(value);
      let encoded: string;
      if (Array.isArray(value)) {
        encoded = `[${value.map((item, i) => encode(item, operation, `${path}[${i}]`, within)).join(',')}]`;
      } else {
        const proto = Object.getPrototypeOf(value) as object | null;
        if (proto !== Object.prototype && proto !== null) throw badKey(value, operation, path);
        // Fields in a fixed order: { a, b } and { b, a } are the same key.
        const fields = Object.keys(value).sort();
        encoded = `{${fields
          .map((field) => {
            const item = (value as Record<string, unknown>)[field];
            return `${JSON.stringify(field)}:${encode(item, operation, `${path}.${field}`, within)}`;
          })
          .join(',')}}`;
      }
      within.delete(value);
      return encoded;
    }
    default:
      throw badKey(value, operation, path);
  }
}

function badKey(value: unknown, operation: string, path: string): TypeError {
  return new TypeError(
    `${operation}: expected \`${path}\` to be a string, number, boolean, null, undefined, bigint, pid, ref, or an array or plain object of these, got ${describeValue(value, 100)}`,
  );
}
