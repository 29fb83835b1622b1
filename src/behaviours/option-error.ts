// A behaviour's own options (a supervisor's strategy and intensity, a registry's keys)
// are checked in its init, inside its new process. A bad one is the caller's mistake,
// so `rt.start` rejects with that TypeError or RangeError itself, not with a
// StartError wrapping it: the error is marked here, and the start handshake passes a
// marked error through.

const OPTION_ERROR: unique symbol = Symbol('otp-ts.optionError');

/**
 * A TypeError (wrong type) or RangeError (a number out of range) about a behaviour's
 * option, marked so that `rt.start` rejects with it as it is.
 * @internal
 */
export function optionError(wrongType: boolean, message: string): TypeError | RangeError {
  const error = wrongType ? new TypeError(message) : new RangeError(message);
  Object.defineProperty(error, OPTION_ERROR, { value: true });
  return error;
}

/** Whether `value` is an error made by {@link optionError}. @internal */
export function isOptionError(value: unknown): value is TypeError | RangeError {
  try {
    return value instanceof Error && Object.hasOwn(value, OPTION_ERROR);
  } catch {
    return false;
  }
}
