import { isBehaviourRef } from '../../core/kernel.js';
import { describeValue } from '../../describe.js';
import { InvalidChildSpecError } from '../../errors.js';
import { optionError } from '../option-error.js';
import { type EngineHostClass, isEngineHostClass } from '../server-engine.js';
import type { NormalizedBackoff, NormalizedChildSpec } from './child-spec.js';

const RESTARTS = new Set(['permanent', 'transient', 'temporary']);
const TYPES = new Set(['worker', 'supervisor']);

/** A GenServer or GenStatem class (Supervisor, Registry... included). */
function isBehaviourClass(value: unknown): value is EngineHostClass {
  return isEngineHostClass(value);
}

/**
 * Turns what a supervisor was given as a child into a full child spec, checking
 * every field at the boundary so nothing starts from a bad spec.
 *
 * @throws InvalidChildSpecError naming the child and the field.
 * @internal
 */
export function normalizeChild(input: unknown, where: string): NormalizedChildSpec {
  let spec: unknown = input;
  if (isBehaviourClass(input)) {
    spec = input.childSpec(undefined);
  } else if (Array.isArray(input) && isBehaviourClass(input[0])) {
    if (input.length > 2) {
      throw new InvalidChildSpecError(
        `${where}: a child given as [Class, arg] takes two elements; for start options use a child spec { id, start: [Class, arg, opts] }`,
        'start',
      );
    }
    spec = input[0].childSpec(input[1]);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new InvalidChildSpecError(
      `${where}: expected a child spec { id, start }, a GenServer class or [Class, arg], got ${describeValue(input, 200)}`,
      'spec',
    );
  }
  const s = spec as Record<string, unknown>;
  const id = s.id;
  const named = `${where}: child ${describeValue(id, 100)}`;
  if (!('id' in s) || id === undefined) {
    throw new InvalidChildSpecError(
      `${where}: the child spec ${describeValue(spec, 200)} has no \`id\``,
      'id',
    );
  }
  const start = s.start;
  if (Array.isArray(start)) {
    if (!isBehaviourClass(start[0]) && !isBehaviourRef(start[0])) {
      throw new InvalidChildSpecError(
        `${named} has a \`start\` tuple whose first element is not a GenServer class (nor { module, export }): ${describeValue(start[0], 100)}`,
        'start',
        id,
      );
    }
    if (start.length > 3) {
      throw new InvalidChildSpecError(
        `${named}: expected \`start\` to be [Class, arg?, opts?], got ${start.length} elements`,
        'start',
        id,
      );
    }
  } else if (typeof start !== 'function') {
    throw new InvalidChildSpecError(
      `${named}: expected \`start\` to be [Class, arg, opts?] or a function (self) => Promise<Pid>, got ${describeValue(start, 100)}`,
      'start',
      id,
    );
  }
  const restart = s.restart ?? 'permanent';
  if (typeof restart !== 'string' || !RESTARTS.has(restart)) {
    throw new InvalidChildSpecError(
      `${named}: expected \`restart\` to be 'permanent', 'transient' or 'temporary', got ${describeValue(restart, 100)}`,
      'restart',
      id,
    );
  }
  const type = s.type ?? 'worker';
  if (typeof type !== 'string' || !TYPES.has(type)) {
    throw new InvalidChildSpecError(
      `${named}: expected \`type\` to be 'worker' or 'supervisor', got ${describeValue(type, 100)}`,
      'type',
      id,
    );
  }
  const shutdown = s.shutdown ?? (type === 'supervisor' ? 'infinity' : 5000);
  if (
    shutdown !== 'brutal_kill' &&
    shutdown !== 'infinity' &&
    !(typeof shutdown === 'number' && Number.isInteger(shutdown) && shutdown >= 0)
  ) {
    throw new InvalidChildSpecError(
      `${named}: expected \`shutdown\` to be an integer of ms >= 0, 'brutal_kill' or 'infinity', got ${describeValue(shutdown, 100)}`,
      'shutdown',
      id,
    );
  }
  return {
    id,
    start: start as NormalizedChildSpec['start'],
    restart: restart as NormalizedChildSpec['restart'],
    shutdown: shutdown as NormalizedChildSpec['shutdown'],
    type: type as NormalizedChildSpec['type'],
    backoff: s.backoff === undefined ? undefined : normalizeBackoff(s.backoff, named, id),
  };
}

/** Checks a child's `backoff` and fills in its defaults. */
function normalizeBackoff(backoff: unknown, named: string, id: unknown): NormalizedBackoff {
  if (typeof backoff !== 'object' || backoff === null || Array.isArray(backoff)) {
    throw new InvalidChildSpecError(
      `${named}: expected \`backoff\` to be { min, max, factor?, jitter?, resetAfter? } (ms), got ${describeValue(backoff, 100)}`,
      'backoff',
      id,
    );
  }
  const b = backoff as Record<string, unknown>;
  const field = (key: string, value: unknown, ok: boolean, expected: string): number => {
    if (typeof value !== 'number' || !ok) {
      throw new InvalidChildSpecError(
        `${named}: expected \`backoff.${key}\` to be ${expected}, got ${describeValue(value, 100)}`,
        `backoff.${key}`,
        id,
      );
    }
    return value;
  };
  const min = field('min', b.min, isFiniteAtLeast(b.min, 0), 'a finite number of ms >= 0');
  const max = field(
    'max',
    b.max,
    isFiniteAtLeast(b.max, min),
    `a finite number of ms >= min (${min})`,
  );
  const factor = b.factor ?? 2;
  const jitter = b.jitter ?? 0.2;
  const resetAfter = b.resetAfter ?? max;
  return {
    min,
    max,
    factor: field('factor', factor, isFiniteAtLeast(factor, 1), 'a finite number >= 1'),
    jitter: field(
      'jitter',
      jitter,
      isFiniteAtLeast(jitter, 0) && (jitter as number) <= 1,
      'a number from 0 to 1',
    ),
    resetAfter: field(
      'resetAfter',
      resetAfter,
      isFiniteAtLeast(resetAfter, 0),
      'a finite number of ms >= 0',
    ),
  };
}

function isFiniteAtLeast(value: unknown, least: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= least;
}

/**
 * Checks restart intensity flags shared by both supervisors.
 * @throws TypeError or RangeError naming the flag.
 * @internal
 */
export function checkIntensity(
  flags: Record<string, unknown>,
  where: string,
): { maxRestarts: number; maxSeconds: number } {
  const maxRestarts = flags.maxRestarts ?? 3;
  const maxSeconds = flags.maxSeconds ?? 5;
  if (typeof maxRestarts !== 'number' || !Number.isInteger(maxRestarts) || maxRestarts < 0) {
    throw optionError(
      typeof maxRestarts !== 'number',
      `${where}: expected \`maxRestarts\` to be an integer >= 0, got ${describeValue(maxRestarts, 100)}`,
    );
  }
  if (typeof maxSeconds !== 'number' || !Number.isFinite(maxSeconds) || maxSeconds <= 0) {
    throw optionError(
      typeof maxSeconds !== 'number',
      `${where}: expected \`maxSeconds\` to be a number of seconds > 0, got ${describeValue(maxSeconds, 100)}`,
    );
  }
  return { maxRestarts, maxSeconds };
}
