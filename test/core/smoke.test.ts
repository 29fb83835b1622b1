import { describe, expect, it } from 'vitest';
import { makeRuntime, probe } from '../helpers.js';

describe('Runtime.send', () => {
  it('delivers a message to a receiving process', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    rt.send(p.pid, 'hello');
    await expect(p.expectMessage()).resolves.toBe('hello');
    await p.expectNoMessage(20);
  });
});
