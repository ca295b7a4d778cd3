// The hub's login page and a console forwarded to a hub, in Chromium: a page without a token asks for one (kept
// for the tab only, never in the address bar; a wrong one says so), and `chronicle serve --hub` says which hub and
// which person, with a banner while the hub cannot be reached. axe clean and screenshots, light and dark.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { expect, test } from './fixtures.ts';

const shots = path.resolve('test-results/screenshots');

async function expectAxeClean(page: Page, what: string) {
  await page.waitForTimeout(300);
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect.soft(bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `axe on ${what}`).toEqual([]);
}

/** `chronicle serve …` as a real process; resolves once it printed its URL. */
async function serve(args: string[]): Promise<{ url: URL; token: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['main/bin/chronicle.mjs', 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`chronicle serve exited with ${code}: ${stderr}`)));
  });
  const url = new URL(line);
  return {
    url,
    token: url.searchParams.get('token')!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

test('a page without a token asks for one: a wrong one is refused, the right one is kept for this tab only', async ({ page, server, context }) => {
  await page.goto(server.base + '/');
  const form = page.getByRole('main');
  await expect(page.getByRole('heading', { name: 'Sign in to Chronicle' })).toBeVisible();
  await expect(page).toHaveTitle(/^Sign in · Chronicle$/);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expectAxeClean(page, `the sign-in page (${scheme})`);
    await page.screenshot({ path: path.join(shots, `hub-login-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });

  const field = form.getByLabel('Access token');
  await expect(field).toHaveAttribute('type', 'password');
  await field.fill('not-the-token-12345');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('That token was not accepted.');
  expect(await page.evaluate(() => sessionStorage.getItem('chronicle.token'))).toBeNull();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expectAxeClean(page, `the sign-in page with a refused token (${scheme})`);
    await page.screenshot({ path: path.join(shots, `hub-login-refused-${scheme}.png`) });
  }

  await field.fill(`  ${server.token}  `);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  expect(page.url()).not.toContain(server.token);
  expect(await page.evaluate(() => sessionStorage.getItem('chronicle.token'))).toBe(server.token);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  expect(await context.cookies()).toEqual([]);
  // A reload keeps the tab signed in; another tab is not.
  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  const other = await context.newPage();
  await other.goto(server.base + '/');
  await expect(other.getByRole('heading', { name: 'Sign in to Chronicle' })).toBeVisible();
  await other.close();
});

test('a tab whose token stops being accepted goes back to the sign-in page and says why', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-e2e-'));
  const db = path.join(dir, 'workspace.db');
  const first = await serve(['--db', db, '--demo', '--port', '0']);
  const port = first.url.port;
  await page.goto(first.url.href);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await first.stop();
  // The host comes back on the same port with a new token: the tab's old one is refused.
  const second = await serve(['--db', db, '--port', port, '--token', 'a-brand-new-token-123']);
  try {
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Sign in to Chronicle' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('no longer accepted');
    expect(await page.evaluate(() => sessionStorage.getItem('chronicle.token'))).toBeNull();
    // A reload keeps saying why (the tab's own stream may find the refusal before the reload above does).
    await page.reload();
    await expect(page.getByRole('alert')).toContainText('no longer accepted');
  } finally {
    await second.stop();
  }
});

test('serve --hub: the console names the hub and the person; while the hub is away a banner says what happens', async ({ page }) => {
  test.setTimeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-e2e-'));
  const db = path.join(dir, 'hub.db');
  const hubToken = 'personal-token-0123456789';
  let hub = await serve(['--db', db, '--demo', '--port', '0', '--token', hubToken]);
  const hubPort = hub.url.port;
  const tokenFile = path.join(dir, 'token');
  fs.writeFileSync(tokenFile, hubToken + '\n', { mode: 0o600 });
  const local = await serve(['--hub', `http://127.0.0.1:${hubPort}`, '--token-file', tokenFile, '--port', '0']);
  try {
    await page.goto(local.url.href);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expect(page.getByText(`Team hub 127.0.0.1:${hubPort}`)).toBeVisible();
    await expect(page.getByText('Ana Lima (Acme Product)')).toBeVisible();
    await expect(page.getByRole('feed', { name: 'Activity' }).locator('article').first()).toBeVisible();

    await hub.stop();
    const banner = page.getByRole('alert').filter({ hasText: 'The team hub cannot be reached' });
    await expect(banner).toBeVisible({ timeout: 15_000 });
    await expect(banner).toContainText('changes are refused until it is back, and nothing is kept to send later');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await expectAxeClean(page, `the hub-unreachable banner (${scheme})`);
      await page.screenshot({ path: path.join(shots, `hub-unreachable-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });

    hub = await serve(['--db', db, '--port', hubPort, '--token', hubToken]);
    await expect(banner).toBeHidden({ timeout: 20_000 });
    await expect(page.getByText(`Team hub 127.0.0.1:${hubPort}`)).toBeVisible();

    // Settings → Team hub says where this console forwards to (a browser console cannot switch hubs).
    await page.goto(local.url.origin + '/#/settings');
    const section = page.getByRole('region', { name: 'Team hub' });
    await expect(section).toContainText(`This console shows the team hub at http://127.0.0.1:${hubPort} as Ana Lima (ana@acme.test), account Acme Product.`);
    await expect(section).toContainText('started with chronicle serve --hub');
    await expect(section.getByRole('button')).toHaveCount(0);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await expectAxeClean(page, `Settings with a team hub (${scheme})`);
      await page.screenshot({ path: path.join(shots, `hub-settings-${scheme}.png`) });
    }

    // Jobs: the dispatcher runs in the hub's server, not in this console (closing it stops no delivery).
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(local.url.origin + '/#/jobs');
    await expect(page.getByText('Background work of this workspace. Dispatcher: running in the team hub’s server (worker thread).')).toBeVisible();
    const dispatchers = page.getByRole('region', { name: 'Dispatchers' });
    await expect(dispatchers.getByRole('row').nth(1)).toContainText('hub server');
    await expect(dispatchers).not.toContainText('this app');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await expectAxeClean(page, `Jobs through a team hub (${scheme})`);
      await page.screenshot({ path: path.join(shots, `hub-jobs-${scheme}.png`) });
    }
  } finally {
    await local.stop();
    await hub.stop();
  }
});
