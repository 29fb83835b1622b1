import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

describe('examples/door.ts', () => {
  it('opens on the code, relocks on its state timeout, and counts buttons postponed while open', async () => {
    const { code, stdout, stderr } = await runExample('examples/door.ts', 15_000);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'locked',
        'open',
        'after 1234: open',
        'button 1 postponed',
        'button 2 postponed',
        'locked',
        'after awaiting the lock: locked',
        'open',
        'after 34: open',
        'locked',
        'after awaiting the lock: locked',
        'door stopping (normal) while locked',
        '',
      ].join('\n'),
    );
    expect(code).toBe(0);
  });
});
