// Settings → Backups in the real console: an admin backs up the workspace (listed with its key files and the
// restore command), axe-clean in both schemes; a damaged file (a zeroed index page in the real file) is said on
// the page with the backup to restore. CHRONICLE_SHOTS=folder also saves screenshots of each state.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { expect, startServer, test } from './fixtures.ts';

const shots = process.env.CHRONICLE_SHOTS;
const save = async (page: Page, name: string) => {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
};

async function expectAxeClean(page: Page, what: string) {
  await page.waitForTimeout(300);
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect.soft(bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), `axe on ${what}`).toEqual([]);
}

test('an admin backs up from Settings; the backup is listed; axe-clean light and dark', async ({ page, server }) => {
  test.setTimeout(120_000);
  await page.goto(`${server.url}#/settings`);
  const section = page.getByRole('region', { name: 'Backups and integrity' });
  await expect(section.getByText('No backup yet.')).toBeVisible();
  // The server is shared by the worker's tests: an earlier one may have signed a bundle (made the signing key).
  await expect(section.getByTestId('data-keys')).toContainText(/audit signing key: (Not made yet|In place · fingerprint)/);
  await expect(section.getByTestId('data-keys')).toContainText(/webhook secrets key: In place · fingerprint/);
  await section.getByRole('button', { name: 'Back up now' }).click();
  await expect(section.getByRole('status')).toContainText(`Backed up to ${path.join(path.dirname(server.dbFile), 'backups')}`);
  const rows = section.getByTestId('backups-table').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('workspace-backup-');
  await expect(section.getByText(/To put the newest one back, stop Chronicle and run chronicle restore --from /)).toBeVisible();
  const folder = path.join(path.dirname(server.dbFile), 'backups', fs.readdirSync(path.join(path.dirname(server.dbFile), 'backups'))[0]);
  // Every key file beside the workspace is in the backup (the signing key exists once a bundle was signed).
  const signingKey = fs.existsSync(path.join(path.dirname(server.dbFile), 'audit-signing.key')) ? ['audit-signing.key'] : [];
  expect(fs.readdirSync(folder).sort()).toEqual([...signingKey, 'backup.json', 'webhook-secrets.key', 'workspace.db']);

  await section.getByRole('button', { name: 'Run a full check' }).click();
  await expect(section.getByRole('status')).toContainText('The full check found the file sound');
  await expect(section.getByTestId('storage-checks')).toContainText('Full check: sound');

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expect(section.getByTestId('backups-table')).toBeVisible();
    await expectAxeClean(page, `settings backups (${scheme})`);
    await save(page, `settings-backups-${scheme}`);
  }
});

test('a damaged file is said on the Settings page with the backup to restore; changes are refused', async ({ page }) => {
  test.setTimeout(120_000);
  const first = await startServer();
  const dbFile = first.dbFile;
  await first.api('storage.backup', {});
  await first.stop();
  // Zero a leaf page of an index of activities in the closed file.
  const c = new Database(dbFile, { readonly: true });
  const index = (c.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activities' AND sql IS NOT NULL ORDER BY name LIMIT 1`).get() as { name: string }).name;
  const pages = c.prepare(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno`).all(index) as { pageno: number }[];
  const size = c.pragma('page_size', { simple: true }) as number;
  c.close();
  const fd = fs.openSync(dbFile, 'r+');
  fs.writeSync(fd, Buffer.alloc(size), 0, size, (pages[Math.floor(pages.length / 2)].pageno - 1) * size);
  fs.closeSync(fd);

  const server = await startServer({ dbFile, demo: false });
  try {
    // The quick check runs a few seconds after the workspace opens.
    await expect.poll(async () => (await server.api('storage.status', {})).damage?.sentence ?? null, { timeout: 30_000 }).toContain('is damaged');
    // Every page says so above its content, with the way to Settings.
    await page.goto(`${server.url}#/`);
    const banner = page.getByRole('alert').filter({ hasText: 'The workspace file is damaged: Chronicle stopped writing to it.' });
    await expect(banner).toBeVisible();
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAxeClean(page, 'timeline with the damage banner (dark)');
    await save(page, 'timeline-damaged-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await banner.getByRole('link', { name: 'Restore the last backup' }).click();
    await expect(page).toHaveURL(/#\/settings/);
    const alert = page.getByRole('region', { name: 'Backups and integrity' }).getByRole('alert');
    await expect(alert).toContainText('The workspace file is damaged; changes are refused');
    await expect(alert).toContainText("SQLite's quick integrity check found");
    await expect(alert.getByTestId('restore-command')).toHaveText(new RegExp(`^chronicle restore --from ${path.join(path.dirname(dbFile), 'backups')}/workspace-backup-.* --db ${dbFile} --force$`));
    const res = await fetch(`${server.base}/api/projects.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', 'x-chronicle-session': 'e2e-damage' },
      body: JSON.stringify({ name: 'On top of damage' }),
    });
    expect((await res.json()).error.code).toBe('storage_corrupt');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await expectAxeClean(page, `settings damaged (${scheme})`);
      await save(page, `settings-damaged-${scheme}`);
    }
  } finally {
    await server.stop();
  }
});
