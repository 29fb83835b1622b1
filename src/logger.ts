import { format } from 'node:util';
import type { Pid } from './core/pid.js';
import { describeProcess, describeReason, describeValue } from './describe.js';
import type { ExitReason, Name } from './types.js';

/**
 * Where otp-ts writes crash reports, supervisor reports and warnings. `console` and
 * a pino logger both fit.
 *
 * @example
 * ```ts
 * const rt = new Runtime({ logger: console });
 * const quiet = new Runtime({ logger: false });
 * ```
 */
export interface Logger {
  /** Crash reports, supervisors giving up, failed restarts. */
  error(...args: unknown[]): void;
  /** Unexpected messages, mailboxes past `mailboxWarning`. */
  warn(...args: unknown[]): void;
  /** Supervisor restarts. */
  info(...args: unknown[]): void;
  /** Detail for debugging; the default logger drops it. */
  debug(...args: unknown[]): void;
}

/**
 * What the runtime reports when a process ends abnormally by itself (its body threw
 * or rejected, it called `exit` with an abnormal reason, or a behaviour stopped with
 * one). A process killed by an exit signal from elsewhere gets no report, as in OTP.
 *
 * @example
 * ```ts
 * rt.on('crash', (report) => console.log(String(report.pid), report.reason));
 * ```
 */
export interface CrashReport {
  /** The process that crashed. */
  readonly pid: Pid;
  /** Its registered name, if any. */
  readonly name: Name | undefined;
  /** Its exit reason. */
  readonly reason: ExitReason;
  /** The behaviour it ran (`'GenServer'`, `'Supervisor'`...), if any. */
  readonly behaviour: string | undefined;
  /** The last message it handled, when a behaviour knows it. */
  readonly lastMessage?: unknown;
  /** Its state at the crash, when a behaviour knows it. */
  readonly state?: unknown;
}

/**
 * The default logger: every level but debug, to stderr.
 * @internal
 */
export const stderrLogger: Logger = {
  error: (...args) => process.stderr.write(`[otp-ts] error: ${format(...args)}\n`),
  warn: (...args) => process.stderr.write(`[otp-ts] warning: ${format(...args)}\n`),
  info: (...args) => process.stderr.write(`[otp-ts] info: ${format(...args)}\n`),
  debug: () => {},
};

/** @internal */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * The text of a crash report, in the spirit of Elixir's: the process, the reason
 * with its stack, the last message and the state, each truncated. Never throws.
 *
 * @example
 * ```ts
 * rt.on('crash', (report) => process.stdout.write(formatCrashReport(report)));
 * ```
 */
export function formatCrashReport(report: CrashReport): string {
  const who = describeProcess(report.name, report.pid);
  const lines = [
    `${report.behaviour ?? 'process'} ${who} terminating`,
    `** (reason) ${describeReason(report.reason)}`,
  ];
  if ('lastMessage' in report)
    lines.push(`Last message: ${describeValue(report.lastMessage, 1_000)}`);
  if ('state' in report) lines.push(`State: ${describeValue(report.state, 1_000)}`);
  return lines.join('\n');
}
