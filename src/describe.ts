import { inspect } from 'node:util';

const MAX_LENGTH = 2_000;

/**
 * Formats any value for an error message or a report. Never throws: a value whose
 * inspection throws (a throwing getter, a hostile Proxy) is described as such.
 * @internal
 */
export function describeValue(value: unknown, maxLength = MAX_LENGTH): string {
  let text: string;
  try {
    text =
      typeof value === 'string'
        ? JSON.stringify(value)
        : inspect(value, {
            depth: 4,
            breakLength: Number.POSITIVE_INFINITY,
            maxArrayLength: 20,
            maxStringLength: 500,
          });
  } catch (error) {
    text = `<uninspectable ${typeof value}: ${safeMessage(error)}>`;
  }
  return text.length > maxLength
    ? `${text.slice(0, maxLength)}… (${text.length - maxLength} more characters)`
    : text;
}

/**
 * Describes a destination: a pid as `<0.42.0>`, a name as `"Test1"`, a via name as
 * `{ via: "Stores", key: "test1" }`.
 * @internal
 */
export function describeDest(dest: unknown): string {
  if (typeof dest === 'object' && dest !== null && 'via' in dest) {
    const { via, key } = dest as { via: unknown; key?: unknown };
    return `{ via: ${describeValue(via, 200)}, key: ${describeValue(key, 200)} }`;
  }
  return describeValue(dest, 200);
}

/** The message of an error-like value, without ever throwing. @internal */
export function safeMessage(error: unknown): string {
  try {
    if (error instanceof Error) return error.message;
    return String(error);
  } catch {
    return 'unprintable error';
  }
}

/**
 * A one-line description of an exit reason for error messages: an error as
 * `Name: message`, a string as it is, anything else inspected. Never throws.
 * @internal
 */
export function describeReasonBriefly(reason: unknown, maxLength = 300): string {
  try {
    if (reason instanceof Error) return `${reason.name}: ${reason.message}`.slice(0, maxLength);
    if (typeof reason === 'string') return reason.slice(0, maxLength);
  } catch {
    // Fall through to the generic description.
  }
  return describeValue(reason, maxLength);
}

/** The stack (or, failing that, a description) of a reason, without ever throwing. @internal */
export function describeReason(reason: unknown): string {
  try {
    if (reason instanceof Error && typeof reason.stack === 'string')
      return truncate(reason.stack, MAX_LENGTH * 4);
    if (typeof reason === 'string') return truncate(reason, MAX_LENGTH);
  } catch {
    // A throwing `stack` getter falls through to the generic description.
  }
  return describeValue(reason);
}

function truncate(text: string, maxLength: number): string {
  return text.length > maxLength
    ? `${text.slice(0, maxLength)}… (${text.length - maxLength} more characters)`
    : text;
}

/**
 * How messages name a process: its registered name and pid, e.g. `"Test1" (<0.3.0>)`,
 * or its pid alone. Never throws.
 * @internal
 */
export function describeProcess(name: unknown, pid: unknown): string {
  return name === undefined ? String(pid) : `${describeDest(name)} (${String(pid)})`;
}
