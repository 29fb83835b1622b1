import { expect, describe as group, it } from 'vitest';
import { GenStatem, type Pid, Statem, type StatemAction } from '../../../src/index.js';
import { makeTestRuntime } from '../../helpers.js';
import { describe, type Handler, type Result, Scripted } from './scripted.js';

// On a TestRuntime: virtual time, so each test is exact and instant. Each ends when a
// "marker" generic timeout, set later than the timeouts under test, fires: `done()`
// moves the clock a millisecond at a time until it has.

const keep = (): Result => Statem.keepStateAndData();
const marker = (ms: number): StatemAction => ({
  type: 'generic_timeout',
  name: 'marker',
  time: ms,
  content: 'end',
});

/**
 * Starts a scripted machine that logs each event as `event@state` (and its virtual time
 * in `times`); `done()` runs it until the marker fires and resolves with the log (the
 * marker itself not logged).
 */
async function timed(handle: Handler, state: unknown = 'a', actions: StatemAction[] = []) {
  const rt = makeTestRuntime();
  const log: string[] = [];
  const times: number[] = [];
  let ended = false;
  const pid: Pid = await rt.start(Scripted, {
    state,
    actions,
    handle: (event, s, data) => {
      if (event.type === 'generic_timeout' && event.name === 'marker') {
        ended = true;
        return keep();
      }
      log.push(`${describe(event)}@${String(s)}`);
      times.push(rt.now());
      return handle(event, s, data);
    },
  });
  const done = async (): Promise<string[]> => {
    while (!ended) await rt.advance(1);
    return log;
  };
  return { rt, pid, log, times, done };
}

group('event timeout', () => {
  it('fires when no event comes within its time', async () => {
    const { rt, times, done } = await timed(() => keep(), 'a', [
      { type: 'timeout', time: 10, content: 'idle' },
      marker(100),
    ]);
    expect(await done()).toEqual(['timeout:idle@a']);
    expect(times).toEqual([10]);
    expect(rt.now()).toBe(100);
  });

  it('is cancelled by any event', async () => {
    const { rt, pid, done } = await timed(() => keep(), 'a', [
      { type: 'timeout', time: 20, content: 'idle' },
      marker(100),
    ]);
    GenStatem.cast(rt, pid, 'poke');
    expect(await done()).toEqual(['cast:poke@a']);
  });

  it('with time 0 fires at once, before messages already in the mailbox', async () => {
    const { rt, pid, done } = await timed((event) =>
      event.type === 'cast' && event.content === 'go'
        ? Statem.keepStateAndData([{ type: 'timeout', time: 0, content: 'zero' }, marker(50)])
        : keep(),
    );
    GenStatem.cast(rt, pid, 'go');
    GenStatem.cast(rt, pid, 'later');
    expect(await done()).toEqual(['cast:go@a', 'timeout:zero@a', 'cast:later@a']);
  });

  it('with time 0 does not fire when an inserted event is queued (the event cancels it)', async () => {
    const { rt, pid, done } = await timed((event) =>
      event.type === 'cast' && event.content === 'go'
        ? Statem.keepStateAndData([
            { type: 'timeout', time: 0, content: 'zero' },
            { type: 'next_event', event: { type: 'internal', content: 'n' } },
            marker(50),
          ])
        : keep(),
    );
    GenStatem.cast(rt, pid, 'go');
    expect(await done()).toEqual(['cast:go@a', 'internal:n@a']);
  });

  it('is cancelled by Infinity', async () => {
    const { rt, pid, done } = await timed(
      (event) =>
        event.type === 'internal'
          ? Statem.keepStateAndData([{ type: 'timeout', time: Infinity }])
          : keep(),
      'a',
      [{ type: 'next_event', event: { type: 'internal', content: 'cancel' } }, marker(100)],
    );
    void rt;
    void pid;
    // The init actions' timeout is set by the internal event's transition, then cancelled by Infinity.
    expect(await done()).toEqual(['internal:cancel@a']);
  });
});

group('state timeout', () => {
  it('fires when the state does not change within its time, and belongs to the state entered', async () => {
    const { rt, pid, done } = await timed((event, state) =>
      event.type === 'cast' && state === 'a'
        ? Statem.nextState('b', undefined, [
            { type: 'state_timeout', time: 10, content: 'st' },
            marker(100),
          ])
        : keep(),
    );
    GenStatem.cast(rt, pid, 'go');
    expect(await done()).toEqual(['cast:go@a', 'state_timeout:st@b']);
  });

  it('is cancelled by a state change, not by a keep', async () => {
    const { rt, pid, done } = await timed(
      (event, state) => {
        if (event.type === 'cast' && state === 'a' && event.content === 'move') {
          return Statem.nextState('b', undefined);
        }
        return keep();
      },
      'a',
      [{ type: 'state_timeout', time: 20, content: 'st' }, marker(100)],
    );
    GenStatem.cast(rt, pid, 'stay');
    GenStatem.cast(rt, pid, 'move');
    expect(await done()).toEqual(['cast:stay@a', 'cast:move@a']);
  });

  it('is replaced by a new one', async () => {
    const { rt, pid, done } = await timed(
      (event) =>
        event.type === 'cast'
          ? Statem.keepStateAndData([{ type: 'state_timeout', time: 30, content: 'second' }])
          : keep(),
      'a',
      [{ type: 'state_timeout', time: 15, content: 'first' }, marker(150)],
    );
    GenStatem.cast(rt, pid, 'replace');
    expect(await done()).toEqual(['cast:replace@a', 'state_timeout:second@a']);
  });

  it('with time 0 is cancelled when a queued event changes the state first', async () => {
    const { rt, pid, done } = await timed((event) => {
      if (event.type === 'cast' && event.content === 'go') {
        return Statem.keepStateAndData([
          { type: 'state_timeout', time: 0, content: 'zero' },
          { type: 'next_event', event: { type: 'internal', content: 'move' } },
          marker(50),
        ]);
      }
      if (event.type === 'internal') return Statem.nextState('b', undefined);
      return keep();
    });
    GenStatem.cast(rt, pid, 'go');
    GenStatem.cast(rt, pid, 'later');
    expect(await done()).toEqual(['cast:go@a', 'internal:move@a', 'cast:later@b']);
  });

  it('with time 0 comes after inserted and retried events, before the mailbox', async () => {
    const { rt, pid, done } = await timed((event, state) => {
      if (event.type === 'cast' && event.content === 'go') {
        return Statem.nextState('b', undefined, [
          { type: 'state_timeout', time: 0, content: 'zero' },
          { type: 'next_event', event: { type: 'internal', content: 'n' } },
          marker(50),
        ]);
      }
      if (event.type === 'cast' && state === 'a')
        return Statem.keepStateAndData([{ type: 'postpone' }]);
      return keep();
    });
    for (const m of ['p', 'go', 'later']) GenStatem.cast(rt, pid, m);
    expect(await done()).toEqual([
      'cast:p@a',
      'cast:go@a',
      'internal:n@b',
      'cast:p@b',
      'state_timeout:zero@b',
      'cast:later@b',
    ]);
  });

  it('is cancelled by Infinity', async () => {
    const { rt, pid, done } = await timed(
      (event) =>
        event.type === 'cast'
          ? Statem.keepStateAndData([{ type: 'state_timeout', time: Infinity }])
          : keep(),
      'a',
      [{ type: 'state_timeout', time: 20, content: 'st' }, marker(100)],
    );
    GenStatem.cast(rt, pid, 'cancel');
    expect(await done()).toEqual(['cast:cancel@a']);
  });
});

group('generic timeouts', () => {
  it('run by name: each fires, events and state changes do not cancel them', async () => {
    const { rt, pid, done } = await timed(
      (event) => (event.type === 'cast' ? Statem.nextState('b', undefined) : keep()),
      'a',
      [
        { type: 'generic_timeout', name: 'one', time: 10, content: 'x' },
        { type: 'generic_timeout', name: 'two', time: 30, content: 'y' },
        marker(120),
      ],
    );
    GenStatem.cast(rt, pid, 'move');
    expect(await done()).toEqual([
      'cast:move@a',
      'generic_timeout:one:x@b',
      'generic_timeout:two:y@b',
    ]);
  });

  it('are replaced by a new one of the same name and cancelled by Infinity', async () => {
    const { rt, pid, done } = await timed(
      (event) =>
        event.type === 'cast'
          ? Statem.keepStateAndData([
              { type: 'generic_timeout', name: 'one', time: 30, content: 'replaced' },
              { type: 'generic_timeout', name: 'two', time: Infinity },
            ])
          : keep(),
      'a',
      [
        { type: 'generic_timeout', name: 'one', time: 15, content: 'first' },
        { type: 'generic_timeout', name: 'two', time: 15, content: 'cancelled' },
        marker(150),
      ],
    );
    GenStatem.cast(rt, pid, 'change');
    expect(await done()).toEqual(['cast:change@a', 'generic_timeout:one:replaced@a']);
  });

  it('of the same kind in one list: the last wins', async () => {
    const { done } = await timed(() => keep(), 'a', [
      { type: 'state_timeout', time: 0, content: 'zero' },
      { type: 'timeout', time: 0, content: 'event' },
      { type: 'state_timeout', time: 20, content: 'later' },
      marker(100),
    ]);
    // The zero state timeout is replaced, so no event is queued and the zero event timeout fires.
    expect(await done()).toEqual(['timeout:event@a', 'state_timeout:later@a']);
  });
});
