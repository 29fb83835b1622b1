/**
 * The observer's page in a real browser: Debian's Chromium driven by playwright-core.
 * Run with `npm run test:e2e` (not part of `npm test`). Every wait is on the page
 * (Playwright's locators wait by themselves) or on a runtime event, never a sleep.
 * `OBSERVER_SCREENSHOT=1` also writes docs/observer.png, the README's picture.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type From, GenServer, Runtime, reply, Supervisor } from '../../src/index.js';
import { type Observer, startObserver } from '../../src/observer/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

type Account = { owner: string; balance: number; pin: string; note: string };

class Bank extends GenServer<Account, 'balance', { type: 'deposit'; amount: number }> {
  override init(account: Account): Account {
    return account;
  }
  override handleCall(_request: 'balance', _from: From, account: Account) {
    return reply(account.balance, account);
  }
  override handleCast(request: { type: 'deposit'; amount: number }, account: Account): Account {
    return { ...account, balance: account.balance + request.amount };
  }
  override formatStatus(account: Account) {
    return { ...account, pin: '****' };
  }
}

let browser: Browser;
let rt: Runtime;
let observer: Observer;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await page?.close();
  await observer?.close();
  await rt?.shutdown({ timeout: 1000 });
});

async function open(): Promise<void> {
  rt = new Runtime({ logger: false });
  await rt.start(
    Supervisor,
    {
      children: [
        {
          id: 'alice',
          start: [
            Bank,
            { owner: 'alice', balance: 10, pin: '1234', note: '<script>window.pwned = 1</script>' },
            { name: 'bank.alice' },
          ],
        },
        {
          id: 'bob',
          start: [Bank, { owner: 'bob', balance: 5, pin: '9876', note: '' }, { name: 'bank.bob' }],
        },
      ],
    },
    { name: 'bank.sup' },
  );
  for (let i = 0; i < 30; i++) rt.spawn((self) => self.receive());
  observer = await startObserver(rt, { interval: 200 });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(observer.url);
}

describe('the observer page', () => {
  it('shows the supervision tree and opens a process from it, its state shown as text', async () => {
    await open();
    const tree = page.getByTestId('tree');
    await expect.poll(() => tree.locator('[data-name="bank.sup"]').count()).toBe(1);
    await tree.locator('[data-name="bank.alice"]').click();
    const details = page.getByTestId('process');
    await details.getByText('bank.alice', { exact: false }).first().waitFor();
    const state = details.getByTestId('state');
    await state.waitFor();
    const text = await state.textContent();
    expect(text).toContain("pin: '****'");
    expect(text).not.toContain('1234');
    expect(text).toContain('<script>window.pwned = 1</script>');
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    await expect.poll(() => page.getByTestId('count').textContent()).toContain('33 processes');
  });

  it('sorts the process table by mailbox length and pages it', async () => {
    await open();
    const busy = rt.spawn((self) => self.receive({ match: () => false }), { name: 'busy' });
    for (let i = 0; i < 7; i++) rt.send(busy, i);
    await page.locator('th[data-sort="queue"]').click();
    const firstRow = page.getByTestId('processes').locator('tbody tr').first();
    await expect.poll(() => firstRow.textContent()).toContain('busy');
    await expect.poll(() => page.getByTestId('page').textContent()).toBe('1–34 of 34');
  });

  it('starts a trace on a process from the page and shows its events, then stops it', async () => {
    await open();
    await page.getByTestId('tree').locator('[data-name="bank.bob"]').click();
    await page.getByTestId('trace-process').click();
    await expect.poll(() => page.getByTestId('trace-status').textContent()).toContain('running');
    GenServer.cast(rt, 'bank.bob', { type: 'deposit', amount: 42 });
    await page.getByTestId('trace').getByText("got { type: 'deposit', amount: 42 }").waitFor();
    await page.getByTestId('trace-stop').click();
    await expect.poll(() => page.getByTestId('trace-status').textContent()).toContain('stopped');
  });

  it('kills a child after a confirmation, and shows it back under its supervisor with a new pid', async () => {
    await open();
    const old = String(rt.whereis('bank.alice'));
    const tree = page.getByTestId('tree');
    await tree.locator('[data-name="bank.alice"]').click();
    await page.getByTestId('kill').click();
    const restarted = new Promise<void>((resolve) => rt.once('restart', () => resolve()));
    await page.getByTestId('confirm-kill').click();
    await restarted;
    const fresh = String(rt.whereis('bank.alice'));
    expect(fresh).not.toBe(old);
    await tree.locator(`[data-pid="${fresh}"]`).waitFor();
    await page.getByTestId('restarts').getByText(`${old} -> ${fresh}`, { exact: false }).waitFor();
    if (process.env.OBSERVER_SCREENSHOT === '1') {
      await tree.locator('[data-name="bank.alice"]').click();
      await page.getByTestId('process').getByTestId('state').waitFor();
      await page.screenshot({ path: 'docs/observer.png' });
    }
  });
});
