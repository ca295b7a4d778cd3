// The smoke on a team hub: `chronicle serve --db postgres://…` on a throwaway PostgreSQL server (Debian's server
// binaries, test/support/postgres.ts). A live move reaches another window's timeline; a webhook is delivered to a
// real receiver and its delivery shows in the console.
import { test as base, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startPostgresServer, type PostgresServer } from '../support/postgres.ts';

interface Hub {
  url: string;
  api(method: string, input?: unknown): Promise<any>;
}

const test = base.extend<{}, { hub: Hub }>({
  hub: [
    async ({}, use) => {
      const server: PostgresServer = await startPostgresServer();
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-e2e-hub-'));
      const location = await server.createDatabase('hub_e2e');
      const child: ChildProcess = spawn(process.execPath, ['main/bin/chronicle.mjs', 'serve', '--db', location, '--data-dir', dataDir, '--port', '0', '--demo'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const url = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`chronicle serve exited with ${code}: ${stderr}`)));
      });
      const u = new URL(url);
      const token = u.searchParams.get('token')!;
      await use({
        url,
        async api(method, input = {}) {
          const res = await fetch(`${u.origin}/api/${method}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-chronicle-session': 'e2e-hub-api' },
            body: JSON.stringify(input),
          });
          const body = await res.json();
          if (!res.ok) throw new Error(`${method}: ${res.status} ${JSON.stringify(body)}`);
          return body;
        },
      });
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 180_000 },
  ],
});

test('on a PostgreSQL hub: a live move reaches the timeline, and a webhook is delivered', async ({ page, hub }) => {
  test.setTimeout(120_000);
  const boards = await hub.api('boards.list', {});
  const boardRef = boards.items.find((b: { name: string }) => b.name === 'Sprint board');
  const board = await hub.api('boards.get', { boardId: boardRef.id });
  const [from, to] = board.columns;
  const card = from.cards[0];

  await page.goto(`${hub.url}#/?boardId=${board.id}`);
  await expect(page.getByRole('heading', { name: 'Timeline · Sprint board' })).toBeVisible();
  await expect(page.getByTestId('activity-description').first()).toBeVisible();
  await hub.api('cards.move', { cardId: card.id, toColumnId: to.id });
  await expect(page.getByTestId('activity-description').first()).toHaveText(`Ana Lima moved ${card.title} from ${from.name} to ${to.name}`);

  const received: http.IncomingHttpHeaders[] = [];
  const rx = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.headers);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
  try {
    const endpoint = await hub.api('webhooks.endpoints.create', {
      url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hooks`, eventTypes: ['card.moved'], networkScope: 'loopback', description: 'Hub receiver',
    });
    await hub.api('cards.move', { cardId: card.id, toColumnId: from.id });
    await expect.poll(() => received.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(received[0]['x-webhook-event']).toBe('card.moved');
    expect(received[0]['webhook-signature']).toMatch(/^v1,/);

    await page.goto(`${hub.url}#/webhooks/endpoints/${endpoint.id}`);
    const list = page.getByRole('list', { name: 'Deliveries' });
    await expect(list.getByText('delivered').first()).toBeVisible();
    await list.getByRole('listitem').first().click();
    await expect(page.getByRole('heading', { name: 'Delivery of card.moved' })).toBeVisible();
    await expect(page.getByText('HTTP 200')).toBeVisible();
  } finally {
    rx.close();
  }
});

test('on a PostgreSQL hub the Settings page names the hub’s database, never a file, and never its password', async ({ page, hub }) => {
  await page.goto(`${hub.url}#/settings`);
  const place = page.getByRole('region', { name: 'Team hub database' });
  await expect(place).toBeVisible();
  await expect(place.getByTestId('db-file')).toHaveText(/^postgres:\/\/.*\*\*\*@127\.0\.0\.1:\d+\/hub_e2e$/);
  await expect(place).toContainText('stored in this PostgreSQL database');
  await expect(page.getByText('SQLite file')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Copy the database address' })).toBeVisible();
});
