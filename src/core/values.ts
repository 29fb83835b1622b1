// Classifying user values where nothing may throw: messages, exit reasons and a
// body's result are user values, and may be Proxies whose traps throw.

/** Whether `value` has a `then` method; `false` for a value whose `then` cannot be read. @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    // A value whose `then` cannot be read (a Proxy that throws) is a plain value.
    return false;
  }
}

/**
 * `value instanceof Class`, but `false` rather than a throw for a value whose prototype
 * cannot be read (a Proxy that throws): messages and exit reasons are user values, and
 * the code that classifies them runs where nothing may throw. @internal
 */
export function isInstance<T>(
  value: unknown,
  Class: abstract new (...args: never[]) => T,
): value is T {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return value instanceof Class;
  } catch {
    return false;
  }
}

/**
 * The prototype of an object (`undefined` for a primitive, or for a value whose
 * prototype cannot be read). Comparing it with a class's `prototype` is the cheap,
 * never-throwing `instanceof` for classes that are never subclassed. @internal
 */
export function prototypeOf(value: unknown): object | null | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return Object.getPrototypeOf(value) as object | null;
  } catch {
    return undefined;
  }
}
