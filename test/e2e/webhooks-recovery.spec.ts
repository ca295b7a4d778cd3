// Recovering from a receiver that failed, in the real console with a real receiver on 127.0.0.1: the circuit
// breaker pauses the endpoint; the health figures say what they count (deliveries and attempts); bulk retry shows
// its counts per state before confirming and retries the chosen states; *Resume now* releases what the breaker
// held; a hanging attempt shows as in progress; a freshly signed curl command; the job of a delivery, with its
// detail, retry and discard. axe-clean in light and dark; screenshots with CHRONICLE_SHOTS=folder.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Server } from './fixtures.ts';

const shots = process.env.CHRONICLE_SHOTS;
const DAY = 86_400_000;

async function createCard(server: Server, title: string) {
  const board = (await server.api('boards.list', {})).items.find((b: { archived: boolean }) => !b.archived);
  const full = await server.api('boards.get', { boardId: board.id });
  return server.api('cards.create', { boardId: board.id, columnId: full.columns[0].id, title });
}

async function axeClean(page: Page, what: string) {
  await page.waitForTimeout(300);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(150);
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect.soft(bad.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), `axe on ${what} (${scheme})`).toEqual([]);
    if (shots) await page.screenshot({ path: `${shots}/${what.replace(/\W+/g, '-')}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** A receiver that answers 500 until `healthy`, or holds its answer while `hold` is set. */
async function receiver() {
  const state = { healthy: false, hold: false, count: 0, release: [] as (() => void)[] };
  const rx = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.count++;
      if (state.hold) state.release.push(() => res.writeHead(200).end('ok'));
      else res.writeHead(state.healthy ? 200 : 500).end(state.healthy ? 'ok' : 'down');
    });
  });
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
  return { state, url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hooks`, close: () => new Promise<void>((r) => rx.close(() => r())) };
}

test('pause, counts before confirming, bulk retry of chosen states, Resume now, health figures that say what they count', async ({ page, server }) => {
  test.setTimeout(120_000);
  const rx = await receiver();
  try {
    const ep = await server.api('webhooks.endpoints.create', { url: rx.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [7 * DAY], description: 'Recovery receiver' });
    // Ten failures in a row pause the endpoint (the circuit breaker); each delivery waits a week for its retry.
    for (let i = 0; i < 10; i++) {
      await server.api('webhooks.endpoints.sendTest', { endpointId: ep.id });
      await expect.poll(() => rx.state.count, { timeout: 15_000 }).toBe(i + 1);
    }
    await expect.poll(async () => (await server.api('webhooks.endpoints.get', { endpointId: ep.id })).pausedUntil, { timeout: 15_000 }).not.toBeNull();
    // Two events are held by the breaker, not sent (a test event is a manual send and would go).
    for (let i = 0; i < 2; i++) await createCard(server, `held ${i}`);
    await expect.poll(async () => (await server.api('webhooks.deliveries.list', { endpointId: ep.id })).items.filter((d: { lastError: string | null }) => d.lastError?.startsWith('Paused until')).length, { timeout: 15_000 }).toBe(2);
    expect(rx.state.count).toBe(10);

    await page.goto(`${server.url}#/webhooks/endpoints/${ep.id}`);
    await expect(page.getByRole('heading', { name: rx.url })).toBeVisible();
    // Health: by delivery (12, none ended) and by attempt (10, all failed), each named.
    await expect(page.getByTestId('health-deliveries')).toContainText('of 12: 0 delivered, 0 failed, 12 waiting');
    await expect(page.getByTestId('health-attempts')).toContainText('0.0 % succeeded');
    await expect(page.getByTestId('health-attempts')).toContainText('of 10: 10 failed');
    await expect(page.getByText('Deliveries (last 7 days)')).toBeVisible();
    await expect(page.getByText('Attempts (last 7 days)')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Resume now' })).toBeVisible();
    // The held ones say so, with the pause's end in the person's zone (not a raw UTC timestamp).
    const list = page.getByRole('list', { name: 'Deliveries' });
    await expect(list.getByText('pending · paused')).toHaveCount(2);
    await expect(list.getByText(/^Paused until .+ UTC: the endpoint failed 10 times in a row/).first()).toBeVisible();
    await expect(list).not.toContainText(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    await axeClean(page, 'endpoint paused');

    // Bulk retry: counts per state first; nothing happens until confirmed.
    rx.state.healthy = true; // the receiver was fixed
    await page.getByRole('button', { name: 'Retry undelivered…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Retry deliveries not delivered' });
    await expect(dialog.getByTestId('retry-count-retrying')).toHaveText('10');
    await expect(dialog.getByTestId('retry-count-paused')).toHaveText('2');
    await expect(dialog.getByTestId('retry-count-failed')).toHaveText('0');
    await expect(dialog.getByText('12 deliveries will be attempted now')).toBeVisible();
    await axeClean(page, 'bulk retry preview');
    await dialog.getByLabel('Held by the circuit breaker (paused)').uncheck();
    await expect(dialog.getByText('10 deliveries will be attempted now')).toBeVisible();
    expect(rx.state.count).toBe(10);
    await dialog.getByRole('button', { name: 'Retry 10' }).click();
    await expect(dialog.getByRole('status').filter({ hasText: 'Queued all 10 deliveries again.' })).toBeVisible({ timeout: 20_000 });
    await expect.poll(() => rx.state.count, { timeout: 20_000 }).toBeGreaterThanOrEqual(20);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The retried ones succeeded: the pause ended with them and what the breaker held went too.
    await expect.poll(async () => (await server.api('webhooks.deliveries.list', { endpointId: ep.id })).items.filter((d: { status: string }) => d.status === 'delivered').length, { timeout: 20_000 }).toBe(12);
    expect(rx.state.count).toBe(22);
    await expect(page.getByRole('button', { name: 'Resume now' })).toBeHidden();
    await expect(page.getByTestId('health-deliveries')).toContainText('100.0 % delivered');
    await expect(page.getByTestId('health-attempts')).toContainText('of 22: 10 failed');
  } finally {
    await rx.close();
  }
});

test('Resume now releases every waiting delivery of a paused endpoint', async ({ page, server }) => {
  const rx = await receiver();
  try {
    const ep = await server.api('webhooks.endpoints.create', { url: rx.url, eventTypes: ['webhook.test'], networkScope: 'loopback', retrySchedule: [7 * DAY] });
    for (let i = 0; i < 10; i++) {
      await server.api('webhooks.endpoints.sendTest', { endpointId: ep.id });
      await expect.poll(() => rx.state.count, { timeout: 15_000 }).toBe(i + 1);
    }
    await expect.poll(async () => (await server.api('webhooks.endpoints.get', { endpointId: ep.id })).pausedUntil, { timeout: 15_000 }).not.toBeNull();
    await page.goto(`${server.url}#/webhooks/endpoints/${ep.id}`);
    await expect(page.getByText(/Paused after 10 failures in a row/)).toBeVisible();
    rx.state.healthy = true;
    await page.getByRole('button', { name: 'Resume now' }).click();
    await expect(page.getByRole('button', { name: 'Resume now' })).toBeHidden();
    await expect.poll(async () => (await server.api('webhooks.deliveries.list', { endpointId: ep.id })).items.every((d: { status: string }) => d.status === 'delivered'), { timeout: 20_000 }).toBe(true);
    expect(rx.state.count).toBe(20);
    await expect(page.getByTestId('health-deliveries')).toContainText('100.0 % delivered');
  } finally {
    await rx.close();
  }
});

test('a hanging attempt shows as in progress; Copy as curl offers a freshly signed command', async ({ page, server }) => {
  const rx = await receiver();
  rx.state.hold = true;
  try {
    const ep = await server.api('webhooks.endpoints.create', { url: rx.url, eventTypes: ['webhook.test'], networkScope: 'loopback' });
    const d = await server.api('webhooks.endpoints.sendTest', { endpointId: ep.id });
    await expect.poll(() => rx.state.count, { timeout: 15_000 }).toBe(1);
    await page.goto(`${server.url}#/webhooks/deliveries/${d.id}`);
    await expect(page.getByTestId('attempt-in-progress')).toContainText('Attempt 1 in progress');
    await expect(page.getByText('No attempt yet')).toBeHidden();
    await expect(page.getByText('Attempt in progress', { exact: true })).toBeVisible();
    await axeClean(page, 'delivery in progress');
    await page.goto(`${server.url}#/webhooks/endpoints/${ep.id}`);
    await expect(page.getByRole('list', { name: 'Deliveries' }).getByText(/Attempt in progress, started/)).toBeVisible();
    rx.state.hold = false;
    for (const r of rx.state.release.splice(0)) r();

    await page.goto(`${server.url}#/webhooks/deliveries/${d.id}`);
    await expect(page.getByText('HTTP 200')).toBeVisible({ timeout: 15_000 });
    await expect(page.getByText(/As logged: the signature is redacted and the time is past, so this will not verify/)).toBeVisible();
    await page.getByRole('button', { name: 'Make a signed curl command' }).click();
    const cmd = page.getByRole('region', { name: 'Send it yourself' }).getByLabel('Signed curl command');
    await expect(cmd).toContainText(`webhook-id: ${d.id}`);
    await expect(cmd).toContainText(/webhook-signature: v1,[A-Za-z0-9+/=]{40,}/);
    await expect(cmd).not.toContainText('<redacted>');
    const ts = Number(/webhook-timestamp: (\d+)/.exec((await cmd.textContent())!)![1]);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(30);
    await axeClean(page, 'delivery signed curl');

    // A member may not see the secret: no signed command, and the page says plainly the logged one will not verify.
    const member = (await server.api('members.list', {})).items.find((m: { role: string }) => m.role === 'member');
    await page.getByTitle('Acting as').selectOption(member.user.id);
    await expect(page.getByTitle('Acting as')).toHaveValue(member.user.id);
    await page.goto(`${server.url}#/webhooks/deliveries/${d.id}`);
    await expect(page.getByText(/this will not verify; only owners and admins can make a signed one/)).toBeVisible();
    await expect(page.getByRole('region', { name: 'Send it yourself' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Make a signed curl command' })).toHaveCount(0);
    const owner = (await server.api('members.list', {})).items.find((m: { role: string }) => m.role === 'owner');
    await page.getByTitle('Acting as').selectOption(owner.user.id);
    await expect(page.getByTitle('Acting as')).toHaveValue(owner.user.id);
  } finally {
    for (const r of rx.state.release.splice(0)) r();
    await rx.close();
  }
});

test('a delivery’s job: detail with links and attempts, discard (confirmed) and retry, and bulk actions with filters in the URL', async ({ page, server }) => {
  const rx = await receiver();
  try {
    const ep = await server.api('webhooks.endpoints.create', { url: rx.url, eventTypes: ['webhook.test'], networkScope: 'loopback', retrySchedule: [7 * DAY], description: 'Job receiver' });
    const d = await server.api('webhooks.endpoints.sendTest', { endpointId: ep.id });
    await expect.poll(async () => (await server.api('webhooks.deliveries.get', { deliveryId: d.id })).status, { timeout: 15_000 }).toBe('retrying');
    const jobs = (await server.api('jobs.list', { kind: 'webhooks.deliver', limit: 500 })).items;
    const job = jobs.find((j: { args: { deliveryId?: string } }) => j.args.deliveryId === d.id);

    // Filters live in the URL: a reload keeps them.
    await page.goto(`${server.url}#/jobs?status=scheduled&kind=webhooks.deliver`);
    await expect(page.getByRole('combobox', { name: /^Kind/ })).toHaveValue('webhooks.deliver');
    await expect(page.getByRole('combobox', { name: /^Status/ })).toHaveValue('scheduled');
    const row = page.getByRole('list', { name: 'Jobs' }).getByRole('link').filter({ hasText: 'webhooks.deliver' }).first();
    await expect(row).toBeVisible();
    await axeClean(page, 'jobs filtered');

    await page.goto(`${server.url}#/jobs/${job.id}`);
    await expect(page.getByRole('heading', { name: 'Job webhooks.deliver' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Job receiver' })).toHaveAttribute('href', `#/webhooks/endpoints/${ep.id}`);
    await expect(page.getByRole('link', { name: /Delivery of webhook.test/ })).toHaveAttribute('href', `#/webhooks/deliveries/${d.id}`);
    await expect(page.getByRole('region', { name: 'Attempts of its delivery' }).getByRole('row')).toHaveCount(2);
    await expect(page.getByRole('region', { name: 'Arguments' })).toContainText(d.id);
    await axeClean(page, 'job detail');

    await page.getByRole('button', { name: 'Discard' }).click();
    const confirm = page.getByRole('dialog', { name: 'Discard this job?' });
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    expect((await server.api('jobs.get', { jobId: job.id })).status).toBe('scheduled');
    await page.getByRole('button', { name: 'Discard' }).click();
    await confirm.getByRole('button', { name: 'Discard job' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Discarded 1 job.' })).toBeVisible();
    await expect.poll(async () => (await server.api('webhooks.deliveries.get', { deliveryId: d.id })).status).toBe('cancelled');
    await expect(page.getByText('Discard: It was already discarded or cancelled.')).toBeVisible();

    rx.state.healthy = true;
    await page.getByRole('button', { name: 'Retry now' }).click();
    await expect.poll(async () => (await server.api('webhooks.deliveries.get', { deliveryId: d.id })).status, { timeout: 15_000 }).toBe('delivered');

    // Bulk: two more waiting deliveries' jobs, selected and retried at once from the list.
    rx.state.healthy = false;
    const more = [await server.api('webhooks.endpoints.sendTest', { endpointId: ep.id }), await server.api('webhooks.endpoints.sendTest', { endpointId: ep.id })];
    for (const m of more) await expect.poll(async () => (await server.api('webhooks.deliveries.get', { deliveryId: m.id })).status, { timeout: 15_000 }).toBe('retrying');
    rx.state.healthy = true;
    await page.goto(`${server.url}#/jobs?status=scheduled&kind=webhooks.deliver`);
    await page.getByLabel('Select all shown').check();
    await page.getByRole('button', { name: /^Retry \d+$/ }).click();
    await expect(page.getByRole('status').filter({ hasText: /^Retried \d+ jobs?\./ })).toBeVisible();
    for (const m of more) await expect.poll(async () => (await server.api('webhooks.deliveries.get', { deliveryId: m.id })).status, { timeout: 15_000 }).toBe('delivered');
  } finally {
    await rx.close();
  }
});
