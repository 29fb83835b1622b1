import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRuntime } from '../../helpers.js';
import { epmd, nodeName, useCluster } from './cluster.js';

// The cookie defaults to ~/.erlang.cookie, made as Erlang makes it when missing.
useCluster();

const home = process.env.HOME;
let dir: string | undefined;
afterEach(() => {
  process.env.HOME = home;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('startDistribution without a cookie', () => {
  it('makes ~/.erlang.cookie when there is none, and uses it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'otp-ts-home-'));
    process.env.HOME = dir;
    const a = makeRuntime({ node: nodeName('cookiea') });
    await a.startDistribution({ epmd });
    const path = join(dir, '.erlang.cookie');
    const cookie = readFileSync(path, 'utf8');
    expect(cookie).toMatch(/^[A-Z]{20}$/);
    expect(statSync(path).mode & 0o777).toBe(0o400);
    // A node given that cookie connects; one given another does not.
    const b = makeRuntime({ node: nodeName('cookieb') });
    await b.startDistribution({ epmd, cookie });
    expect(await b.connect(a.node)).toBe(true);
    const c = makeRuntime({ node: nodeName('cookiec') });
    await c.startDistribution({ epmd, cookie: 'another' });
    expect(await c.connect(a.node)).toBe(false);
  });

  it('reads the cookie of ~/.erlang.cookie when there is one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'otp-ts-home-'));
    process.env.HOME = dir;
    const first = makeRuntime({ node: nodeName('cookied') });
    await first.startDistribution({ epmd });
    const second = makeRuntime({ node: nodeName('cookiee') });
    await second.startDistribution({ epmd });
    expect(await second.connect(first.node)).toBe(true);
  });
});
