import { describe, expect, it } from 'vitest';
import { type From, GenServer, NoProcError, type Pid, reply, Sys } from '../../src/index.js';
import { makeRuntime } from '../helpers.js';

type Account = { user: string; password: string; logins: number };

class Vault extends GenServer<Account, 'login' | { type: 'ping'; to: Pid }, 'touch'> {
  override init(account: Account): Account {
    return account;
  }
  override handleCall(request: 'login' | { type: 'ping'; to: Pid }, _from: From, s: Account) {
    if (request !== 'login') this.self.send(request.to, 'pong');
    return reply(s.logins + 1, { ...s, logins: s.logins + 1 });
  }
  override handleCast(_request: 'touch', s: Account): Account {
    return s;
  }
  override formatStatus(state: Account) {
    return { ...state, password: '***' };
  }
}

const ACCOUNT: Account = { user: 'ada', password: 'hunter2', logins: 0 };

describe('Sys.statistics', () => {
  it('counts messages in and out from the start, with no enabling call', async () => {
    const rt = makeRuntime();
    const before = Date.now();
    const pid = await rt.start(Vault, ACCOUNT);
    const sink = rt.spawn((self) => self.receive());
    await GenServer.call(rt, pid, 'login');
    await GenServer.call(rt, pid, { type: 'ping', to: sink });
    GenServer.cast(rt, pid, 'touch');
    const stats = await Sys.statistics(rt, pid);
    // In: init's start request, two calls, a cast and this request. Out: two replies and a send.
    expect(stats).toEqual({ messagesIn: 5, messagesOut: 3, startedAt: expect.any(Number) });
    expect(stats.startedAt).toBeGreaterThanOrEqual(before);
  });

  it('rejects with NoProcError for a dead server', async () => {
    const rt = makeRuntime();
    await expect(Sys.statistics(rt, 'nobody')).rejects.toBeInstanceOf(NoProcError);
  });
});

describe('Sys.trace', () => {
  it('logs messages in, replies and sends out, and state changes, until turned off', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Vault, ACCOUNT, { name: 'vault' });
    const sink = rt.spawn((self) => self.receive());
    await Sys.trace(rt, 'vault', true);
    await GenServer.call(rt, 'vault', { type: 'ping', to: sink });
    GenServer.cast(rt, 'vault', 'touch');
    await Sys.trace(rt, 'vault', false);
    await GenServer.call(rt, 'vault', 'login');
    const lines = rt.log
      .text('info')
      .split('\n')
      .filter((l) => l.startsWith('*DBG*'));
    const who = `Vault "vault" (${String(pid)})`;
    expect(lines).toEqual([
      `*DBG* ${who} got call { type: 'ping', to: ${String(sink)} } from outside any process`,
      `*DBG* ${who} sent "pong" to ${String(sink)}`,
      `*DBG* ${who} sent 1 to ${String(rt.rootPid)}`,
      `*DBG* ${who} new state { user: 'ada', password: '***', logins: 1 }`,
      `*DBG* ${who} got cast "touch"`,
    ]);
    expect(rt.log.text()).not.toContain('hunter2');
    expect(rt.isAlive(pid)).toBe(true);
  });

  it('rejects a non-boolean switch with a TypeError', async () => {
    const rt = makeRuntime();
    await rt.start(Vault, ACCOUNT, { name: 'vault' });
    await expect(Sys.trace(rt, 'vault', 'yes' as unknown as boolean)).rejects.toThrow(
      /Sys.trace: expected `on` to be a boolean/,
    );
  });
});

describe('GenServer formatStatus', () => {
  it('shapes the state Sys.getStatus and crash reports show, not Sys.getState', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Vault, ACCOUNT);
    expect((await Sys.getStatus(rt, pid)).state).toEqual({ ...ACCOUNT, password: '***' });
    expect(await Sys.getState(rt, pid)).toEqual(ACCOUNT);
    await Sys.terminate(rt, pid, 'boom');
    expect(rt.log.text('error')).toContain("password: '***'");
    expect(rt.log.text('error')).not.toContain('hunter2');
  });
});
