// Webhooks in the real console: create an endpoint (secret shown once), send a test event to a real receiver on
// 127.0.0.1, follow its delivery and attempt, retry, and the jobs page.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures.ts';

const shots = process.env.SHOTS_DIR;

test('create an endpoint, send a test event, inspect the delivery and the jobs page', async ({ page, server }) => {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const rx = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(received.length === 1 ? 503 : 200, { 'content-type': 'application/json', 'retry-after': '3600' }).end(JSON.stringify({ ok: received.length > 1 }));
    });
  });
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hooks`;
  try {
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByRole('heading', { name: 'Webhooks', exact: true })).toBeVisible();
    if (shots) await page.screenshot({ path: `${shots}/webhooks-empty.png`, fullPage: true });

    await page.getByRole('button', { name: 'New endpoint' }).click();
    await page.getByLabel('URL').fill(url);
    await page.getByLabel('Description').fill('Local receiver');
    await page.getByLabel('Network scope').selectOption('loopback');
    if (shots) await page.screenshot({ path: `${shots}/webhooks-new.png` });
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = page.getByTestId('secret');
    await expect(secret).toHaveText(/^whsec_/);
    if (shots) await page.screenshot({ path: `${shots}/webhooks-secret.png` });
    const secretText = await secret.textContent();
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('link', { name: url }).click();
    await page.getByRole('button', { name: 'Send test event' }).click();
    // First answer is 503 with Retry-After: the delivery waits to retry.
    const list = page.getByRole('list', { name: 'Deliveries' });
    await expect(list.getByText('retrying')).toBeVisible();
    expect(received[0].headers['webhook-signature']).toMatch(/^v1,/);
    expect(received[0].headers['x-webhook-event']).toBe('webhook.test');
    if (shots) await page.screenshot({ path: `${shots}/webhooks-endpoint.png`, fullPage: true });

    await list.getByRole('listitem').first().click();
    await expect(page.getByRole('heading', { name: 'Delivery of webhook.test' })).toBeVisible();
    await expect(page.getByText('HTTP 503')).toBeVisible();
    await page.getByRole('button', { name: 'Retry now' }).click();
    await expect(page.getByText('HTTP 200')).toBeVisible();
    await expect(page.getByRole('article', { name: 'Attempt 2' }).getByText('Manual by Ana Lima')).toBeVisible();
    expect(received[1].headers['webhook-id']).toBe(received[0].headers['webhook-id']);
    if (shots) await page.screenshot({ path: `${shots}/webhooks-delivery.png`, fullPage: true });

    // The secret is only shown again through Reveal.
    await page.getByRole('button', { name: 'Endpoint' }).click();
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    await expect(page.getByTestId('revealed-secret')).toHaveText(secretText!);
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('link', { name: 'Jobs' }).click();
    await expect(page.getByRole('heading', { name: 'Queues' })).toBeVisible();
    await expect(page.getByText('webhooks.sweep')).toBeVisible();
    if (shots) await page.screenshot({ path: `${shots}/jobs.png`, fullPage: true });
  } finally {
    rx.close();
  }
});

test('bad input in the endpoint form is explained in words', async ({ page, server }) => {
  await page.goto(server.url + '#/webhooks');
  await page.getByRole('button', { name: 'New endpoint' }).click();
  await page.getByLabel('URL').fill('https://user:secret@example.com/hooks');
  await page.getByRole('button', { name: 'Create endpoint' }).click();
  await expect(page.getByRole('alert')).toContainText('The endpoint was not created');
  await expect(page.getByRole('alert')).toContainText('must not contain a user name or password');
});
