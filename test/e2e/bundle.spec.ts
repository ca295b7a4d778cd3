// A review bundle served read-only (`chronicle serve --bundle`) in Chromium: the UI offers no write anywhere, makes
// no write call (every request is checked against the contract's `write` flag), says what the bundle holds and
// what it does not, and is axe-clean in both colour schemes.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { methods } from '../../preload/contract.ts';
import { expect, test } from './fixtures.ts';

async function serveBundle(file: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['main/bin/chronicle.mjs', 'serve', '--bundle', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`serve --bundle exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

const writeMethods = new Set(Object.entries(methods).filter(([, spec]) => 'write' in spec && spec.write).map(([name]) => name));

/** Every contract call the page makes, by method name. */
function recordCalls(page: Page): string[] {
  const calls: string[] = [];
  page.on('request', (r) => {
    const m = /\/api\/([a-zA-Z.]+)$/.exec(new URL(r.url()).pathname);
    if (m && r.method() === 'POST') calls.push(m[1]);
  });
  return calls;
}

const writeLabels = /^(New project|Archive .+|Invite|Add a card|Comment|New endpoint|Save changes|Revert to this|Mark all read|Export bundle|Send test event|Retry now)$/;

test('a review bundle offers no write, makes no write call, and says what it holds', async ({ page, server }) => {
  test.setTimeout(180_000);
  const session = await server.api('session.get', {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bundle-ro-'));
  const file = path.join(dir, 'review.chronicle-bundle');
  const out = spawnSync(process.execPath, ['main/bin/chronicle.mjs', 'audit', 'export', '--db', server.dbFile, '--out', file, '--account', session.account.id], { encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
  const folder = () => fs.readdirSync(dir).sort().map((f) => `${f}:${fs.readFileSync(path.join(dir, f)).toString('base64')}`);
  const before = folder();
  const review = await serveBundle(file);
  const calls = recordCalls(page);
  try {
    await page.goto(review.url);
    const banner = page.getByRole('status').filter({ hasText: 'Review bundle of' });
    await expect(banner).toContainText('does not hold webhooks');
    await expect(banner).toContainText('jobs');
    await expect(page.getByRole('feed', { name: 'Activity' }).locator('article').first()).toBeVisible();
    // Stay past the moment the timeline would mark itself seen and the tracker would flush.
    await page.waitForTimeout(3500);

    await page.goto(`${review.url}#/boards`);
    await expect(page.getByRole('heading', { name: 'Boards', exact: true })).toBeVisible();
    await expect(page.getByText('This review bundle is read-only')).toBeVisible();
    const boardLink = page.getByRole('link', { name: /Sprint board/ });
    await expect(boardLink).toBeVisible();
    await expect(page.getByRole('button', { name: writeLabels })).toHaveCount(0);

    await boardLink.click();
    await expect(page.getByTestId('card').first()).toBeVisible();
    await expect(page.getByText('review bundle (read-only)')).toBeVisible();
    await expect(page.getByRole('button', { name: /^Move .* to…$/ })).toHaveCount(0);
    await expect(page.getByRole('button', { name: /^Drag / })).toHaveCount(0);
    await expect(page.getByRole('button', { name: writeLabels })).toHaveCount(0);
    const first = page.getByTestId('card').first();
    await first.getByRole('button').first().click();
    const panel = page.getByRole('dialog');
    await expect(panel.getByRole('region', { name: 'Details' })).toBeVisible();
    // The card as text: no title, description or comment field (the As of picker only reads the trail).
    await expect(panel.getByLabel('Title')).toHaveCount(0);
    await expect(panel.getByLabel('Description')).toHaveCount(0);
    await expect(panel.getByLabel('Add a comment')).toHaveCount(0);
    await expect(panel.getByRole('button', { name: writeLabels })).toHaveCount(0);
    await page.keyboard.press('Escape');

    await page.goto(`${review.url}#/webhooks`);
    await expect(page.getByRole('heading', { name: 'This review bundle holds no webhooks' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'New endpoint' })).toHaveCount(0);
    await page.goto(`${review.url}#/jobs`);
    await expect(page.getByRole('heading', { name: 'This review bundle holds no jobs' })).toBeVisible();
    await expect(page.getByText(/dispatcher/i)).toHaveCount(0);
    await page.goto(`${review.url}#/settings`);
    await expect(page.getByRole('switch', { name: 'Record usage tracking' })).toBeDisabled();
    await expect(page.getByRole('switch', { name: 'Desktop notifications' })).toBeDisabled();
    await page.goto(`${review.url}#/audit?tab=bundles`);
    await expect(page.getByText('This is a review bundle')).toBeVisible();
    await page.getByRole('button', { name: /^Notifications/ }).click();
    await expect(page.getByRole('button', { name: 'Mark all read' })).toHaveCount(0);
    await page.keyboard.press('Escape');
    await page.goto(`${review.url}#/`);
    await expect(page.getByRole('feed', { name: 'Activity' }).locator('article').first()).toBeVisible();
    await page.waitForTimeout(2500);

    expect(calls.length).toBeGreaterThan(10);
    expect(calls.filter((m) => writeMethods.has(m))).toEqual([]);

    // axe on the bundle's pages in both schemes (the banner and the read-only variants).
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const hash of ['#/', '#/boards', '#/webhooks', '#/jobs', '#/settings']) {
        await page.goto(`${review.url}${hash}`);
        await expect(page.getByRole('status').filter({ hasText: 'Review bundle of' })).toBeVisible();
        await page.waitForTimeout(300);
        const results = await new AxeBuilder({ page }).analyze();
        const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        expect(bad, `axe on ${hash} (${scheme})`).toEqual([]);
      }
    }
  } finally {
    await review.stop();
  }
  // Serving wrote nothing next to the bundle (no webhook-secrets.key, no journal) and left its bytes alone.
  expect(folder()).toEqual(before);
});
