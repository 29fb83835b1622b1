/**
 * `otp-ts/testing`: a deterministic test kit. {@link TestRuntime} is a `Runtime` on
 * virtual time with a seeded scheduler; {@link Probe} is a test process that records
 * what it receives; {@link explore} runs a scenario under many seeds and reports the
 * first that fails.
 *
 * @example
 * ```ts
 * import { TestRuntime } from 'otp-ts/testing';
 *
 * const rt = new TestRuntime({ seed: 42 });
 * const probe = rt.probe();
 * rt.sendAfter(probe.pid, 'tick', 60_000);
 * await probe.expectMessage((m) => m === 'tick', 60_000); // instant
 * ```
 * @module
 */
export { type ExploreOptions, type ExploreResult, explore } from './explore.js';
export { Probe } from './probe.js';
export { type LogEntry, TestRuntime, type TestRuntimeOptions } from './test-runtime.js';
