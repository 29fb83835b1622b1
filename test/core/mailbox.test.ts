import { afterEach, describe, expect, it, vi } from 'vitest';
import { Mailbox } from '../../src/core/mailbox.js';
import { Timeout } from '../../src/index.js';
import { deferred, makeRuntime } from '../helpers.js';

function filled(...messages: unknown[]): Mailbox {
  const mailbox = new Mailbox();
  for (const m of messages) mailbox.push(m);
  return mailbox;
}

function drain(mailbox: Mailbox): unknown[] {
  const out: unknown[] = [];
  while (mailbox.size > 0) out.push(mailbox.shift());
  return out;
}

describe('Mailbox.push and Mailbox.shift', () => {
  it('start empty and hand messages out oldest first', () => {
    const mailbox = new Mailbox();
    expect(mailbox.size).toBe(0);
    expect(mailbox.toArray()).toEqual([]);
    mailbox.push('a');
    mailbox.push('b');
    expect(mailbox.size).toBe(2);
    expect(mailbox.shift()).toBe('a');
    expect(mailbox.shift()).toBe('b');
    expect(mailbox.size).toBe(0);
  });

  it('keep the order when the ring wraps around and grows', () => {
    const mailbox = new Mailbox();
    const expected: number[] = [];
    let next = 0;
    let taken: number[] = [];
    // Interleave pushes and shifts so the head moves through the ring as it grows.
    for (let round = 1; round <= 12; round++) {
      for (let i = 0; i < round * 3; i++) {
        mailbox.push(next);
        expected.push(next++);
      }
      for (let i = 0; i < round; i++) taken.push(mailbox.shift() as number);
    }
    taken = [...taken, ...(drain(mailbox) as number[])];
    expect(taken).toEqual(expected);
  });

  it('carry any value, undefined and null included', () => {
    const mailbox = filled(undefined, null, 0, '', Symbol.for('s'));
    expect(mailbox.size).toBe(5);
    expect(drain(mailbox)).toEqual([undefined, null, 0, '', Symbol.for('s')]);
  });

  it('let go of the memory of a burst once it drains, and keep working', () => {
    const mailbox = new Mailbox();
    for (let i = 0; i < 10_000; i++) mailbox.push(i);
    expect(mailbox.capacity).toBeGreaterThanOrEqual(10_000);
    for (let i = 0; i < 9_999; i++) mailbox.shift();
    expect(mailbox.capacity).toBeGreaterThanOrEqual(10_000);
    expect(mailbox.shift()).toBe(9_999);
    expect(mailbox.capacity).toBe(0);
    mailbox.push('after');
    expect(drain(mailbox)).toEqual(['after']);
  });

  it('take constant time: a million messages through a long queue stay fast', () => {
    const mailbox = new Mailbox();
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) mailbox.push(i);
    let sum = 0;
    for (let i = 0; i < 1_000_000; i++) {
      sum += mailbox.shift() as number;
      mailbox.push(i);
    }
    for (let i = 0; i < 1_000_000; i++) sum += mailbox.shift() as number;
    expect(sum).toBe((2 * (999_999 * 1_000_000)) / 2);
    // Linear-time shifts would take hours here; constant-time ones take tens of ms.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('Mailbox.find', () => {
  it('gives the slot of the first message match accepts, from a starting slot, or -1', () => {
    const mailbox = filled(1, 2, 3, 4);
    const even = (m: unknown) => (m as number) % 2 === 0;
    expect(mailbox.find(even, 0)).toBe(1);
    expect(mailbox.find(even, 2)).toBe(3);
    expect(mailbox.find(() => false, 0)).toBe(-1);
    expect(new Mailbox().find(() => true, 0)).toBe(-1);
  });

  it('does not call match for slots before the starting slot', () => {
    const mailbox = filled('a', 'b', 'c');
    const seen: unknown[] = [];
    mailbox.find((m) => {
      seen.push(m);
      return false;
    }, 1);
    expect(seen).toEqual(['b', 'c']);
  });

  it('lets an error from match through to the caller', () => {
    const mailbox = filled('a');
    expect(() =>
      mailbox.find(() => {
        throw new Error('bad match');
      }, 0),
    ).toThrow('bad match');
    expect(mailbox.size).toBe(1);
  });
});

describe('Mailbox.takeAt', () => {
  it('takes a message from the middle and leaves a hole that nothing else sees', () => {
    const mailbox = filled('a', 'b', 'c', 'd');
    expect(mailbox.takeAt(2)).toBe('c');
    expect(mailbox.size).toBe(3);
    expect(mailbox.slots).toBe(4);
    expect(mailbox.toArray()).toEqual(['a', 'b', 'd']);
    const seen: unknown[] = [];
    expect(
      mailbox.find((m) => {
        seen.push(m);
        return m === 'd';
      }, 0),
    ).toBe(3);
    expect(seen).toEqual(['a', 'b', 'd']);
    expect(drain(mailbox)).toEqual(['a', 'b', 'd']);
  });

  it('at slot 0 is a shift', () => {
    const mailbox = filled('a', 'b');
    expect(mailbox.takeAt(0)).toBe('a');
    expect(mailbox.slots).toBe(1);
    expect(mailbox.toArray()).toEqual(['b']);
  });

  it('lets shift step over holes at the head', () => {
    const mailbox = filled('a', 'b', 'c', 'd');
    mailbox.takeAt(1);
    mailbox.takeAt(2);
    expect(mailbox.shift()).toBe('a');
    expect(mailbox.shift()).toBe('d');
    expect(mailbox.size).toBe(0);
    expect(mailbox.slots).toBe(0);
  });

  it('squeezes the holes out once they make up most of a long buffer', () => {
    const mailbox = new Mailbox();
    for (let i = 0; i < 64; i++) mailbox.push(i);
    // Take every odd message, from the back so the slots stay valid.
    for (let slot = 63; slot > 0; slot -= 2) mailbox.takeAt(slot);
    expect(mailbox.size).toBe(32);
    // One more hole tips the balance: fewer than half of the slots hold messages.
    mailbox.takeAt(mailbox.find((m) => m === 62, 0));
    expect(mailbox.slots).toBe(31);
    expect(mailbox.toArray()).toEqual(Array.from({ length: 31 }, (_, i) => i * 2));
    mailbox.push('new');
    expect(drain(mailbox)).toEqual([...Array.from({ length: 31 }, (_, i) => i * 2), 'new']);
  });

  it('keeps a short buffer with holes as it is', () => {
    const mailbox = filled(1, 2, 3, 4, 5, 6);
    mailbox.takeAt(5);
    mailbox.takeAt(4);
    mailbox.takeAt(3);
    mailbox.takeAt(2);
    expect(mailbox.size).toBe(2);
    expect(mailbox.slots).toBe(6);
    mailbox.push(7);
    expect(drain(mailbox)).toEqual([1, 2, 7]);
  });
});

describe('Mailbox.removeAll', () => {
  it('removes every message match accepts and keeps the rest in order', () => {
    const mailbox = filled(1, 2, 3, 4, 5);
    mailbox.takeAt(2);
    expect(mailbox.removeAll((m) => (m as number) % 2 === 0)).toBe(2);
    expect(mailbox.toArray()).toEqual([1, 5]);
    expect(mailbox.size).toBe(2);
    expect(mailbox.removeAll(() => true)).toBe(2);
    expect(mailbox.removeAll(() => true)).toBe(0);
  });
});

describe('Mailbox.clear', () => {
  it('drops every message', () => {
    const mailbox = filled(1, 2, 3);
    mailbox.clear();
    expect(mailbox.size).toBe(0);
    expect(mailbox.slots).toBe(0);
    mailbox.push(4);
    expect(drain(mailbox)).toEqual([4]);
  });
});

describe('Self.receive on a long mailbox', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const COUNT = 100_000;

  it('finds the last of 100,000 queued messages looking at each once, and keeps the rest in order', async () => {
    const rt = makeRuntime();
    let calls = 0;
    const got = deferred<{ needle: unknown; queued: number | undefined; next: unknown[] }>();
    const pid = rt.spawn(async (self) => {
      const needle = await self.receive({
        match: (m) => {
          calls++;
          return m === 'needle';
        },
      });
      const queued = rt.info(self.pid)?.messageQueueLen;
      got.resolve({ needle, queued, next: [await self.receive(), await self.receive()] });
    });
    for (let i = 0; i < COUNT; i++) rt.send(pid, i);
    rt.send(pid, 'needle');
    expect(await got.promise).toEqual({ needle: 'needle', queued: COUNT, next: [0, 1] });
    expect(calls).toBe(COUNT + 1);
  });

  it('does not rescan rejected messages while a receive waits for 100,000 arriving ones', async () => {
    const rt = makeRuntime();
    const find = vi.spyOn(Mailbox.prototype, 'find');
    const bursts = 100;
    let calls = 0;
    const got = deferred<unknown>();
    const consumer = rt.spawn(async (self) => {
      got.resolve(
        await self.receive({
          match: (m) => {
            calls++;
            return m === 'needle';
          },
        }),
      );
    });
    rt.spawn(async (self) => {
      for (let b = 0; b < bursts; b++) {
        for (let i = 0; i < COUNT / bursts; i++) self.send(consumer, i);
        // Let the event loop, and so the consumer, run between bursts.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      self.send(consumer, 'needle');
    });
    expect(await got.promise).toBe('needle');
    expect(calls).toBe(COUNT + 1);
    // The consumer really looked at the mailbox many times, each time at new messages only.
    expect(find.mock.calls.length).toBeGreaterThanOrEqual(bursts);
    const starts = find.mock.calls.map(([, from]) => from);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it('times out on 100,000 non-matching messages after looking at each once', async () => {
    const rt = makeRuntime();
    let calls = 0;
    const got = deferred<unknown>();
    const pid = rt.spawn(async (self) => {
      got.resolve(
        await self.receive({
          match: () => {
            calls++;
            return false;
          },
          timeout: 30,
        }),
      );
    });
    for (let i = 0; i < COUNT; i++) rt.send(pid, i);
    expect(await got.promise).toBe(Timeout);
    expect(calls).toBe(COUNT);
    expect(await rt.awaitExit(pid)).toBe('normal');
  });
});

describe('Mailbox tagged messages', () => {
  /** The messages in order, each with whether it is tagged, emptying the mailbox. */
  function drain(box: Mailbox): [unknown, boolean][] {
    const out: [unknown, boolean][] = [];
    while (box.size > 0) {
      const tagged = box.headIsTagged();
      out.push([box.shift(), tagged]);
    }
    return out;
  }

  it('keeps tagged and plain messages in order, one slot each, across growth', () => {
    const box = new Mailbox();
    const expected: [unknown, boolean][] = [];
    for (let i = 0; i < 100; i++) {
      if (i % 3 === 0) box.pushTagged(i);
      else box.push(i);
      expected.push([i, i % 3 === 0]);
      // Take some as we go, so the ring wraps around before it grows.
      if (i % 7 === 6) {
        const [message, tagged] = expected.shift()!;
        expect(box.headIsTagged()).toBe(tagged);
        expect(box.shift()).toBe(message);
      }
    }
    expect(box.size).toBe(expected.length);
    expect(drain(box)).toEqual(expected);
  });

  it('reuses a slot that held a tagged message as a plain one', () => {
    const box = new Mailbox();
    box.pushTagged('cast');
    box.shift();
    box.push('plain');
    expect(drain(box)).toEqual([['plain', false]]);
  });

  it('never removes a tagged message in removeAll, whatever its payload', () => {
    const box = new Mailbox();
    box.push('drop');
    box.pushTagged('drop');
    box.push('keep');
    box.pushTagged('keep');
    expect(box.removeAll((m) => m === 'drop')).toBe(1);
    expect(drain(box)).toEqual([
      ['drop', true],
      ['keep', false],
      ['keep', true],
    ]);
  });
});
