import { describeValue } from '../describe.js';
import type { Logger } from '../logger.js';
import type { RuntimeEngine, RuntimeOptions } from './runtime-types.js';

const DEFAULT_BUDGET = 200;

/** The options of `new Runtime`, checked, with their defaults. @internal */
export interface CheckedOptions {
  name: string | undefined;
  node: string | undefined;
  creation: number | undefined;
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
  const { node, creation } = opts;
  if (node !== undefined && (typeof node !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(node))) {
    throw new TypeError(
      `new Runtime: expected \`node\` to be a node name 'name@host', got ${describeValue(node, 100)}`,
    );
  }
  if (
    creation !== undefined &&
    (!Number.isInteger(creation) || creation < 1 || creation > 0xffff_ffff)
  ) {
    throw new (typeof creation === 'number' ? RangeError : TypeError)(
      `new Runtime: expected \`creation\` to be an integer from 1 to 4294967295, got ${describeValue(creation, 100)}`,
    );
  }
  const messages = opts.messages ?? 'share';
  if (messages !== 'share' && messages !== 'copy') {
    throw new TypeError(
      `new Runtime: expected \`messages\` to be 'share' or 'copy', got ${describeValue(messages, 100)}`,
    );
  }
  return { name, node, creation, logger, budget, mailboxWarning, messages, engine: opts.engine };
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
