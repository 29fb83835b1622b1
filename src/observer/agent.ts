import { pathToFileURL } from 'node:url';
import type { From } from '../behaviours/gen.js';
import { GenServer } from '../behaviours/gen-server.js';
import { type ReplyResult, reply } from '../behaviours/results.js';
import { killProcess, processDetails } from './details.js';
import { snapshot, type View } from './snapshot.js';

/** The name the observer's agent holds on each node it looks at. @internal */
export const AGENT_NAME = 'otp-ts.observer.agent';

/**
 * This module's file, which another node imports to start the agent (a remote start
 * names a module and an export, as Erlang's `{M, F, A}`). In the CommonJS bundle,
 * `import.meta.url` names a chunk the entries share, so `__filename` comes first.
 * @internal
 */
export const AGENT_MODULE: string =
  typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url;

/**
 * The observer's agent on another node: a server that answers one update of the page
 * for its own runtime, so that the observer shows every node it is connected to. The
 * observer starts it there on first use, by a remote start of this module, registered
 * as `'otp-ts.observer.agent'`; there is no need to start it yourself.
 */
class Agent extends GenServer<null> {
  override init(): null {
    return null;
  }

  /**
   * Answers for this node's runtime: `{ view }` with one update of the page,
   * `{ details: pid }` with a process's details (or null), `{ kill: pid }` by killing
   * it (its pid, or null when none lives).
   */
  override async handleCall(
    request: unknown,
    _from: From,
    state: null,
  ): Promise<ReplyResult<unknown, null>> {
    const asked = request as { view?: View; details?: string; kill?: string };
    if (asked.details !== undefined) {
      return reply((await processDetails(this.runtime, asked.details)) ?? null, state);
    }
    if (asked.kill !== undefined)
      return reply(killProcess(this.runtime, asked.kill) ?? null, state);
    return reply(snapshot(this.runtime, asked.view!), state);
  }
}

/**
 * The observer's agent, as another node imports it: the export a remote start names.
 * Typed `unknown`, since nothing but that start uses it.
 *
 * @example
 * ```ts
 * // What the observer does for the node it is asked to show:
 * await rt.start({ module: observerModuleUrl, export: 'ObserverAgent' }, undefined, { node, name: 'otp-ts.observer.agent' });
 * ```
 */
export const ObserverAgent: unknown = Agent;
