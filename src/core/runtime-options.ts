import { describeValue } from '../describe.js';
import type { Logger } from '../logger.js';
import type { RuntimeEngine, RuntimeOptions } from './runtime-types.js';

const DEFAULT_BUDGET = 200;

/** The options of `new Runtime`, checked, with their defaults. @internal */
export interface CheckedOptions {
  name: string | undefined;
  logger: Logger | false | undefined;
  messages: 'share' | 'copy';
  budget: number;
  mailboxWarning: number;
  engine: RuntimeEngine | undefined;
}

/**
 * Checks the options of `new Runtime` before anything is built.
 * @throws TypeError or RangeError naming the option.
 * @internal
 */
export function checkRuntimeOptions(opts: RuntimeOptions): CheckedOptions {
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(
      `new Runtime: expected options to be an object, got ${describeValue(opts, 100)}`,
    );
  }
  const { name, logger, budget = DEFAULT_BUDGET, mailboxWarning = 10_000 } = opts;
  if (name !== undefined && typeof name !== 'string') {
    throw new TypeError(
      `new Runtime: expected \`name\` to be a string, got ${describeValue(name, 100)}`,
    );
  }
  if (!Number.isInteger(budget) || budget < 1) {
    throw new (typeof budget === 'number' ? RangeError : TypeError)(
      `new Runtime: expected \`budget\` to be an integer >= 1, got ${describeValue(budget, 100)}`,
    );
  }
  if (typeof mailboxWarning !== 'number' || !(mailboxWarning >= 1)) {
    throw new (typeof mailboxWarning === 'number' ? RangeError : TypeError)(
      `new Runtime: expected \`mailboxWarning\` to be a number >= 1, got ${describeValue(mailboxWarning, 100)}`,
    );
  }
  if (logger !== undefined && logger !== false && !isLogger(logger)) {
    throw new TypeError(
      'new Runtime: expected `logger` to have error, warn, info and debug functions, or be false',
    );
  }
  const messages = opts.messages ?? 'share';
  if (messages !== 'share' && messages !== 'copy') {
    throw new TypeError(
      `new Runtime: expected \`messages\` to be 'share' or 'copy', got ${describeValue(messages, 100)}`,
    );
  }
  return { name, logger, budget, mailboxWarning, messages, engine: opts.engine };
}

function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const l = value as Record<string, unknown>;
  return (
    typeof l.error === 'function' &&
    typeof l.warn === 'function' &&
    typeof l.info === 'function' &&
    typeof l.debug === 'function'
  );
}
