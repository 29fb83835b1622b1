import { describe, expect, it } from 'vitest';
import {
  checkIntensity,
  normalizeChild,
} from '../../../src/behaviours/supervision/child-spec-check.js';
import {
  type ChildSpec,
  DynamicSupervisor,
  GenServer,
  InvalidChildSpecError,
  type Pid,
  Supervisor,
} from '../../../src/index.js';

class Worker extends GenServer {}

const start = (): Promise<Pid> => Promise.reject(new Error('not started in these tests'));

/** The InvalidChildSpecError `normalizeChild(input)` throws. */
function rejection(input: unknown): InvalidChildSpecError {
  try {
    normalizeChild(input, 'here');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidChildSpecError);
    return error as InvalidChildSpecError;
  }
  throw new Error('normalizeChild accepted the input');
}

describe('normalizeChild', () => {
  it('fills in the defaults of a worker: permanent, 5000 ms, worker', () => {
    expect(normalizeChild({ id: 'a', start: [Worker, 1] }, 'here')).toEqual({
      id: 'a',
      start: [Worker, 1],
      restart: 'permanent',
      shutdown: 5000,
      type: 'worker',
    });
  });

  it("gives a supervisor child shutdown 'infinity' by default", () => {
    expect(normalizeChild({ id: 's', start, type: 'supervisor' }, 'here')).toMatchObject({
      shutdown: 'infinity',
      type: 'supervisor',
    });
  });

  it('keeps every field that is given', () => {
    const spec: ChildSpec = {
      id: { any: 'value' },
      start: [Worker, 'arg', { name: 'w', timeout: 100 }],
      restart: 'transient',
      shutdown: 'brutal_kill',
      type: 'supervisor',
    };
    expect(normalizeChild(spec, 'here')).toEqual(spec);
  });

  it.each([0, 1, 250, 'brutal_kill', 'infinity'])('accepts shutdown %o', (shutdown) => {
    expect(normalizeChild({ id: 'a', start, shutdown }, 'here').shutdown).toBe(shutdown);
  });

  it.each(['permanent', 'transient', 'temporary'])('accepts restart %o', (restart) => {
    expect(normalizeChild({ id: 'a', start, restart }, 'here').restart).toBe(restart);
  });

  it('takes a class through its static childSpec(undefined), with the class name as id', () => {
    expect(normalizeChild(Worker, 'here')).toEqual({
      id: 'Worker',
      start: [Worker, undefined],
      restart: 'permanent',
      shutdown: 5000,
      type: 'worker',
    });
  });

  it('takes [Class, arg] through static childSpec(arg)', () => {
    expect(normalizeChild([Worker, { n: 1 }], 'here')).toMatchObject({
      id: 'Worker',
      start: [Worker, { n: 1 }],
    });
  });

  it("resolves Supervisor and DynamicSupervisor as supervisors with shutdown 'infinity'", () => {
    class AppSupervisor extends Supervisor {}
    expect(normalizeChild(AppSupervisor, 'here')).toMatchObject({
      id: 'AppSupervisor',
      start: [AppSupervisor, undefined],
      type: 'supervisor',
      shutdown: 'infinity',
    });
    expect(normalizeChild([DynamicSupervisor, {}], 'here')).toMatchObject({
      id: 'DynamicSupervisor',
      type: 'supervisor',
      shutdown: 'infinity',
    });
  });

  it('uses an overridden static childSpec', () => {
    class Cache extends GenServer {
      static override childSpec(arg?: unknown): ChildSpec {
        return { id: `cache-${String(arg)}`, start: [Cache, arg], shutdown: 100 };
      }
    }
    expect(normalizeChild([Cache, 7], 'here')).toMatchObject({ id: 'cache-7', shutdown: 100 });
  });

  it('checks what an overridden static childSpec returns', () => {
    class Broken extends GenServer {
      static override childSpec(): ChildSpec {
        return { id: 'broken', start: 'nope' } as unknown as ChildSpec;
      }
    }
    expect(rejection(Broken)).toMatchObject({ field: 'start', childId: 'broken' });
  });

  it.each([
    ['a missing id', { start }, 'id', /^here: the child spec .* has no `id`$/],
    ['an undefined id', { id: undefined, start }, 'id', /has no `id`/],
    [
      'a missing start',
      { id: 'a' },
      'start',
      /^here: child "a": expected `start` .* got undefined$/,
    ],
    ['a start string', { id: 'a', start: 'Worker' }, 'start', /got "Worker"/],
    [
      'a start tuple without a class',
      { id: 'a', start: [{}, 1] },
      'start',
      /not a GenServer class/,
    ],
    [
      'a start tuple of a plain class',
      { id: 'a', start: [class {}, 1] },
      'start',
      /not a GenServer class/,
    ],
    ['a start tuple too long', { id: 'a', start: [Worker, 1, {}, 'x'] }, 'start', /got 4 elements/],
    ['an unknown restart type', { id: 'a', start, restart: 'always' }, 'restart', /"always"/],
    ['an unknown type', { id: 'a', start, type: 'boss' }, 'type', /"boss"/],
    ['a negative shutdown', { id: 'a', start, shutdown: -5 }, 'shutdown', /got -5/],
    ['a fractional shutdown', { id: 'a', start, shutdown: 2.5 }, 'shutdown', /got 2\.5/],
    ['a NaN shutdown', { id: 'a', start, shutdown: Number.NaN }, 'shutdown', /got NaN/],
    [
      'an Infinity shutdown',
      { id: 'a', start, shutdown: Number.POSITIVE_INFINITY },
      'shutdown',
      /Infinity/,
    ],
    ['an unknown shutdown word', { id: 'a', start, shutdown: 'kill' }, 'shutdown', /"kill"/],
  ])('rejects %s with InvalidChildSpecError naming the field', (_, input, field, message) => {
    const error = rejection(input);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    if (field !== 'id') expect(error.childId).toBe('a');
  });

  it.each([
    ['a number', 42],
    ['null', null],
    ['a string', 'Worker'],
    ['an array that is not [Class, arg]', ['Worker', 1]],
    ['a plain function', () => {}],
  ])('rejects %s as a child with field spec', (_, input) => {
    const error = rejection(input);
    expect(error.field).toBe('spec');
    expect(error.message).toMatch(
      /^here: expected a child spec \{ id, start \}, a GenServer class or \[Class, arg\], got/,
    );
  });

  it('rejects [Class, arg, opts] and points to the child spec form', () => {
    const error = rejection([Worker, 1, { name: 'w' }]);
    expect(error.field).toBe('start');
    expect(error.message).toMatch(
      /for start options use a child spec \{ id, start: \[Class, arg, opts\] \}/,
    );
  });
});

describe('normalizeChild with a backoff', () => {
  it('fills in factor 2, jitter 0.2 and resetAfter equal to max', () => {
    expect(normalizeChild({ id: 'a', start, backoff: { min: 10, max: 500 } }, 'here')).toEqual({
      id: 'a',
      start,
      restart: 'permanent',
      shutdown: 5000,
      type: 'worker',
      backoff: { min: 10, max: 500, factor: 2, jitter: 0.2, resetAfter: 500 },
    });
  });

  it('keeps every backoff field that is given, the edge values included', () => {
    const backoff = { min: 0, max: 0, factor: 1, jitter: 1, resetAfter: 0 };
    expect(normalizeChild({ id: 'a', start, backoff }, 'here').backoff).toEqual(backoff);
    const other = { min: 5, max: 5, factor: 1.5, jitter: 0, resetAfter: 60_000 };
    expect(normalizeChild({ id: 'a', start, backoff: other }, 'here').backoff).toEqual(other);
  });

  it('leaves backoff undefined for a child without one', () => {
    expect(normalizeChild({ id: 'a', start }, 'here').backoff).toBeUndefined();
  });

  it.each([
    ['a number', 100, 'backoff', /expected `backoff` to be \{ min, max, .*got 100$/],
    ['null', null, 'backoff', /got null$/],
    [
      'no min',
      { max: 10 },
      'backoff.min',
      /`backoff\.min` to be a finite number of ms >= 0, got undefined/,
    ],
    ['a negative min', { min: -1, max: 10 }, 'backoff.min', /got -1$/],
    ['an Infinity min', { min: Number.POSITIVE_INFINITY, max: 10 }, 'backoff.min', /Infinity/],
    ['a string min', { min: '10', max: 10 }, 'backoff.min', /got "10"/],
    [
      'no max',
      { min: 10 },
      'backoff.max',
      /`backoff\.max` to be a finite number of ms >= min \(10\)/,
    ],
    ['a max below min', { min: 10, max: 5 }, 'backoff.max', /got 5$/],
    ['a NaN max', { min: 10, max: Number.NaN }, 'backoff.max', /got NaN$/],
    [
      'a factor below 1',
      { min: 1, max: 10, factor: 0.5 },
      'backoff.factor',
      /`backoff\.factor` to be a finite number >= 1, got 0\.5/,
    ],
    [
      'a negative jitter',
      { min: 1, max: 10, jitter: -0.1 },
      'backoff.jitter',
      /from 0 to 1, got -0\.1/,
    ],
    ['a jitter above 1', { min: 1, max: 10, jitter: 1.5 }, 'backoff.jitter', /got 1\.5/],
    ['a negative resetAfter', { min: 1, max: 10, resetAfter: -1 }, 'backoff.resetAfter', /got -1$/],
  ])('rejects a backoff with %s, naming the field', (_, backoff, field, message) => {
    const error = rejection({ id: 'a', start, backoff });
    expect(error.field).toBe(field);
    expect(error.childId).toBe('a');
    expect(error.message).toMatch(/^here: child "a": expected `backoff/);
    expect(error.message).toMatch(message);
  });
});

describe('checkIntensity', () => {
  it('defaults to 3 restarts in 5 seconds', () => {
    expect(checkIntensity({}, 'here')).toEqual({ maxRestarts: 3, maxSeconds: 5 });
  });

  it('accepts 0 restarts and fractional seconds', () => {
    expect(checkIntensity({ maxRestarts: 0, maxSeconds: 0.25 }, 'here')).toEqual({
      maxRestarts: 0,
      maxSeconds: 0.25,
    });
  });

  it.each([
    [{ maxRestarts: -1 }, RangeError, /expected `maxRestarts` to be an integer >= 0, got -1/],
    [{ maxRestarts: 2.5 }, RangeError, /`maxRestarts`.*got 2\.5/],
    [{ maxRestarts: '3' }, TypeError, /`maxRestarts`.*got "3"/],
    [{ maxRestarts: Number.POSITIVE_INFINITY }, RangeError, /`maxRestarts`.*Infinity/],
    [{ maxSeconds: 0 }, RangeError, /expected `maxSeconds` to be a number of seconds > 0, got 0/],
    [{ maxSeconds: -1 }, RangeError, /`maxSeconds`.*got -1/],
    [{ maxSeconds: Number.NaN }, RangeError, /`maxSeconds`.*NaN/],
    [{ maxSeconds: Number.POSITIVE_INFINITY }, RangeError, /`maxSeconds`.*Infinity/],
  ])('rejects %o with a %o naming the flag', (flags, ErrorClass, message) => {
    let error: unknown;
    try {
      checkIntensity(flags, 'here');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as Error).message).toMatch(message);
  });
});
