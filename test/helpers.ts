import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { afterEach } from 'vitest';
import {
  type Logger,
  type Pid,
  Runtime,
  type RuntimeOptions,
  type Self,
  Timeout,
} from '../src/index.js';
import { TestRuntime, type TestRuntimeOptions } from '../src/testing/index.js';

/** A promise with its resolvers (Node 20 has no `Promise.withResolvers`). */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  text: string;
}

/** A logger that records what it is given, so tests can assert reports and stay quiet. */
export function captureLogger(): {
  logger: Logger;
  entries: LogEntry[];
  text(level?: LogEntry['level']): string;
} {
  const entries: LogEntry[] = [];
  const record =
    (level: LogEntry['level']) =>
    (...args: unknown[]) => {
      entries.push({
        level,
        text: args.map((a) => (typeof a === 'string' ? a : String(a))).join(' '),
      });
    };
  return {
    logger: {
      error: record('error'),
      warn: record('warn'),
      info: record('info'),
      debug: record('debug'),
    },
    entries,
    text: (level) =>
      entries
        .filter((e) => level === undefined || e.level === level)
        .map((e) => e.text)
        .join('\n'),
  };
}

const runtimes: Runtime[] = [];

afterEach(async () => {
  const open = runtimes.splice(0);
  await Promise.all(open.map((rt) => rt.shutdown({ timeout: 1000 })));
});

/**
 * A fresh runtime with a capturing logger, shut down after the test.
 */
export function makeRuntime(
  opts: RuntimeOptions = {},
): Runtime & { log: ReturnType<typeof captureLogger> } {
  const log = captureLogger();
  const rt = new Runtime({ logger: log.logger, ...opts }) as Runtime & {
    log: ReturnType<typeof captureLogger>;
  };
  rt.log = log;
  runtimes.push(rt);
  return rt;
}

/**
 * A fresh TestRuntime (virtual time, seeded scheduling), shut down after the test: for
 * tests of timeouts, which it makes exact and instant.
 */
export function makeTestRuntime(opts: TestRuntimeOptions = {}): TestRuntime {
  const rt = new TestRuntime(opts);
  runtimes.push(rt);
  return rt;
}

/**
 * Runs `rt`, moving its virtual clock a millisecond at a time, until `promise` settles
 * (or `limit` virtual ms have passed: then it throws, naming the seed).
 */
export async function settle<T>(rt: TestRuntime, promise: Promise<T>, limit = 60_000): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => {});
  const end = rt.now() + limit;
  await rt.runUntilIdle();
  while (!settled) {
    if (rt.now() >= end) throw new Error(`not settled within ${limit} virtual ms (${rt.replay})`);
    await rt.advance(1);
  }
  return watched;
}

/**
 * A test probe (Akka's TestProbe): a process that collects every message it gets, so
 * a test can await them in order.
 */
export interface Probe {
  pid: Pid;
  /** Resolves with the next message `match` accepts (any message without one); rejects after `timeout` ms. */
  expectMessage(match?: (message: unknown) => boolean, timeout?: number): Promise<unknown>;
  /** Resolves when no message at all arrives within `ms`. */
  expectNoMessage(ms?: number): Promise<void>;
}

export function probe(rt: Runtime, name?: string): Probe {
  const requests: Array<{
    match?: (m: unknown) => boolean;
    timeout: number;
    deferred: Deferred<unknown>;
  }> = [];
  let wake: (() => void) | undefined;
  const pid = rt.spawn(
    async (self) => {
      for (;;) {
        while (requests.length === 0) await new Promise<void>((r) => (wake = r));
        const request = requests.shift()!;
        const message = await self.receive({ match: request.match, timeout: request.timeout });
        if (message === Timeout) {
          request.deferred.reject(
            new Error(`probe ${self.pid}: no matching message within ${request.timeout} ms`),
          );
        } else {
          request.deferred.resolve(message);
        }
      }
    },
    name === undefined ? undefined : { name },
  );
  const ask = (match: ((m: unknown) => boolean) | undefined, timeout: number): Promise<unknown> => {
    const d = deferred<unknown>();
    requests.push({ match, timeout, deferred: d });
    wake?.();
    wake = undefined;
    return d.promise;
  };
  return {
    pid,
    expectMessage: (match, timeout = 2000) => ask(match, timeout),
    expectNoMessage: async (ms = 50) => {
      const d = deferred<unknown>();
      requests.push({ timeout: ms, deferred: d });
      wake?.();
      wake = undefined;
      const outcome = await d.promise.then(
        (m) => ({ got: true as const, m }),
        () => ({ got: false as const }),
      );
      if (outcome.got)
        throw new Error(`probe ${pid}: expected no message, got ${String(outcome.m)}`);
    },
  };
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (error: unknown) => error,
  );
}

/** A task or process body that runs until it is stopped: it settles when `self.signal` aborts. */
export function forever(self: Self): Promise<never> {
  return new Promise((_, reject) => {
    self.signal.addEventListener('abort', () => reject(self.signal.reason));
  });
}

/**
 * A TCP port free on loopback at the time of the call: the system picks it, and it is
 * released at once for the test to listen on (or to find closed).
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
