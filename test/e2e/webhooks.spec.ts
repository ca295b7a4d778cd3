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
    // The dispatcher that just delivered is listed: this host's worker thread, its machine and heartbeat.
    const dispatchers = page.getByRole('region', { name: 'Dispatchers' });
    await expect(dispatchers.getByRole('row')).toHaveCount(2);
    await expect(dispatchers.getByRole('row').nth(1)).toContainText('this app');
    await expect(dispatchers.getByRole('row').nth(1)).toContainText(/pid \d+/);
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

test.describe('in the person’s time zone', () => {
  test.use({ timezoneId: 'Asia/Kolkata' });

  test('Retry undelivered… is filled and read in the person’s zone, and names it', async ({ page, server }) => {
    const ep = await server.api('webhooks.endpoints.create', { url: 'http://127.0.0.1:9/zone', eventTypes: ['*'], networkScope: 'loopback' });
    await page.goto(`${server.url}#/webhooks/endpoints/${ep.id}`);
    await page.getByRole('button', { name: 'Retry undelivered…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Retry deliveries not delivered' });
    const input = dialog.getByLabel(/last changed since/);
    await expect(dialog.getByText(/last changed since \(your time, Asia\/(Kolkata|Calcutta)\)/)).toBeVisible();
    // A day ago on Kolkata's wall clock (UTC+5:30), not on UTC's.
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(Date.now() - 86_400_000));
    const get = (t: string) => parts.find((p) => p.type === t)!.value;
    const expected = `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
    const value = await input.inputValue();
    expect(Math.abs(Date.parse(`${value}:00Z`) - Date.parse(`${expected}:00Z`))).toBeLessThanOrEqual(60_000);
    // The counts are read for the time as the person means it, and the zone is named beside the UTC time.
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/webhooks.deliveries.retryPreview') && JSON.parse(r.postData()!).since === '2026-01-10T03:30:00.000Z');
    await input.fill('2026-01-10T09:00');
    await sent;
    await expect(dialog.getByText(/GMT\+5:30 \(2026-01-10 03:30 UTC\)/)).toBeVisible();
    await expect(dialog.getByText('Nothing to retry in the chosen states.')).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Retry', exact: true })).toBeDisabled();
  });
});

test('Disable, Rotate and Cancel ask first, and act only when confirmed', async ({ page, server }) => {
  const ep = await server.api('webhooks.endpoints.create', { url: 'http://127.0.0.1:9/confirm', eventTypes: ['*'], networkScope: 'loopback' });
  const secret = (await server.api('webhooks.endpoints.revealSecret', { endpointId: ep.id })).secret;
  await page.goto(`${server.url}#/webhooks/endpoints/${ep.id}`);

  await page.getByRole('button', { name: 'Rotate secret' }).click();
  const rotate = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
  await expect(rotate).toContainText('24 hours');
  await rotate.getByRole('button', { name: 'Cancel' }).click();
  await expect(rotate).toBeHidden();
  expect((await server.api('webhooks.endpoints.revealSecret', { endpointId: ep.id })).secret).toBe(secret);
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  await rotate.getByRole('button', { name: 'Rotate secret' }).click();
  await expect(page.getByRole('dialog', { name: 'Secret rotated' })).toBeVisible();
  await page.getByRole('button', { name: 'Done' }).click();
  expect((await server.api('webhooks.endpoints.revealSecret', { endpointId: ep.id })).secret).not.toBe(secret);

  await page.getByRole('button', { name: 'Disable' }).click();
  const disable = page.getByRole('dialog', { name: 'Disable this endpoint?' });
  await page.keyboard.press('Escape');
  await expect(disable).toBeHidden();
  expect((await server.api('webhooks.endpoints.get', { endpointId: ep.id })).status).toBe('active');
  await page.getByRole('button', { name: 'Disable' }).click();
  await disable.getByLabel(/Reason/).fill('Receiver moves next week');
  await disable.getByRole('button', { name: 'Disable endpoint' }).click();
  await expect(disable).toBeHidden();
  const now = await server.api('webhooks.endpoints.get', { endpointId: ep.id });
  expect(now.status).toBe('disabled');
  expect(now.disabledReason).toBe('Receiver moves next week');
  await page.getByRole('button', { name: 'Enable' }).click();
  await expect(page.getByRole('button', { name: 'Disable' })).toBeVisible();

  // A delivery to a closed port waits for its retry; cancelling it asks first.
  const d = await server.api('webhooks.endpoints.sendTest', { endpointId: ep.id });
  await page.goto(`${server.url}#/webhooks/deliveries/${d.id}`);
  await expect(page.getByRole('button', { name: 'Cancel', exact: true })).toBeEnabled();
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  const cancel = page.getByRole('dialog', { name: 'Cancel this delivery?' });
  await cancel.getByRole('button', { name: 'Keep it' }).click();
  await expect(cancel).toBeHidden();
  expect((await server.api('webhooks.deliveries.get', { deliveryId: d.id })).status).not.toBe('cancelled');
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await cancel.getByRole('button', { name: 'Cancel delivery' }).click();
  await expect.poll(async () => (await server.api('webhooks.deliveries.get', { deliveryId: d.id })).status).toBe('cancelled');
});

test('every endpoint setting is edited in the UI, and the create form offers the same settings', async ({ page, server }) => {
  await page.goto(`${server.url}#/webhooks`);
  await page.getByRole('button', { name: 'New endpoint' }).click();
  const create = page.getByRole('dialog', { name: 'New webhook endpoint' });
  await create.getByLabel('URL').fill('https://hooks.example.com/chronicle');
  await create.getByLabel(/^Description/).fill('Team bot');
  await create.getByLabel('All events, including ones added later').uncheck();
  await create.getByLabel(/card\.moved/).check();
  await create.getByLabel(/The default schedule/).uncheck();
  await create.getByLabel('Retry delays').fill('10s, 1m, 1h');
  await create.getByLabel(/^Rate limit/).fill('5');
  await create.getByLabel(/^Concurrency/).fill('2');
  await create.getByRole('button', { name: 'Add a header' }).click();
  await create.getByLabel('Header 1 name').fill('X-Team');
  await create.getByLabel('Header 1 value').fill('ops');
  await create.getByRole('button', { name: 'Create endpoint' }).click();
  await page.getByRole('button', { name: 'Done' }).click();
  const created = (await server.api('webhooks.endpoints.list', {})).items.find((e: { url: string }) => e.url === 'https://hooks.example.com/chronicle');
  expect(created).toMatchObject({ description: 'Team bot', eventTypes: ['card.moved'], retrySchedule: [10_000, 60_000, 3_600_000], rateLimit: 5, concurrency: 2, headers: { 'X-Team': '••••••••' }, networkScope: 'public' });
  // Header values are secrets: masked in every view, revealed on request.
  expect(await server.api('webhooks.endpoints.revealHeaders', { endpointId: created.id })).toEqual({ headers: { 'X-Team': 'ops' } });

  await page.getByRole('link', { name: 'https://hooks.example.com/chronicle' }).click();
  await page.getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit endpoint' });
  // The form shows the endpoint as it is.
  await expect(edit.getByLabel('Retry delays')).toHaveValue('10s, 1m, 1h');
  await expect(edit.getByLabel('Header 1 value')).toHaveValue('••••••••');
  await edit.getByLabel('URL').fill('https://hooks.example.com/v2');
  await edit.getByLabel(/^Description/).fill('Team bot, v2');
  await edit.getByLabel(/comment\.added/).check();
  await edit.getByLabel('Network scope').selectOption('private');
  await edit.getByLabel(/The default schedule/).check();
  await edit.getByLabel(/^Rate limit/).fill('');
  await edit.getByLabel(/^Concurrency/).fill('8');
  await edit.getByRole('button', { name: 'Remove header 1' }).click();
  await edit.getByRole('button', { name: 'Save endpoint' }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByRole('heading', { name: 'https://hooks.example.com/v2' })).toBeVisible();
  const after = await server.api('webhooks.endpoints.get', { endpointId: created.id });
  expect(after).toMatchObject({ url: 'https://hooks.example.com/v2', description: 'Team bot, v2', eventTypes: ['card.moved', 'comment.added'], networkScope: 'private', retrySchedule: null, rateLimit: null, concurrency: 8, headers: {} });
  // A bad delay is explained before anything is sent.
  await page.getByRole('button', { name: 'Edit' }).click();
  await edit.getByLabel(/The default schedule/).uncheck();
  await edit.getByLabel('Retry delays').fill('10 parsecs');
  await expect(edit.getByText(/is not a delay/)).toBeVisible();
  await expect(edit.getByRole('button', { name: 'Save endpoint' })).toBeDisabled();
});

test('the form warns at once when a literal address is outside the network scope', async ({ page, server }) => {
  await page.goto(`${server.url}#/webhooks`);
  await page.getByRole('button', { name: 'New endpoint' }).click();
  const form = page.getByRole('dialog', { name: 'New webhook endpoint' });
  const url = form.getByLabel('URL');
  const warning = form.getByRole('alert');
  await url.fill('https://hooks.example.com/x');
  await expect(warning).toHaveCount(0);
  await url.fill('http://127.0.0.1:8080/hooks');
  await expect(warning).toContainText('this computer');
  await form.getByLabel('Network scope').selectOption('private');
  await expect(warning).toContainText('this computer');
  await form.getByLabel('Network scope').selectOption('loopback');
  await expect(warning).toHaveCount(0);
  await form.getByLabel('Network scope').selectOption('public');
  // Every spelling of a private address: IPv4-mapped IPv6, decimal, NAT64.
  for (const u of ['http://[::ffff:10.1.2.3]/h', 'http://3232235777/h', 'http://[64:ff9b::a01:203]/h', 'http://[fd00::1]/h']) {
    await url.fill(u);
    await expect(warning, u).toContainText('private network');
  }
  await url.fill('http://169.254.169.254/latest');
  await expect(warning).toContainText('link-local');
  await warning.getByRole('button', { name: /^Allow/ }).click();
  await expect(form.getByLabel('Network scope')).toHaveValue('loopback');
  await expect(warning).toHaveCount(0);
});

test('an endpoint is deleted with its log only after confirming', async ({ page, server }) => {
  const ep = await server.api('webhooks.endpoints.create', { url: 'http://127.0.0.1:9/delete-me', eventTypes: ['*'], networkScope: 'loopback', description: 'Old receiver' });
  await server.api('webhooks.endpoints.sendTest', { endpointId: ep.id });
  await page.goto(`${server.url}#/webhooks/endpoints/${ep.id}`);
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this endpoint?' });
  await expect(dialog).toContainText('its deliveries still waiting are cancelled');
  await dialog.getByRole('button', { name: 'Keep it' }).click();
  await expect(dialog).toBeHidden();
  expect((await server.api('webhooks.endpoints.get', { endpointId: ep.id })).id).toBe(ep.id);

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(dialog.getByRole('button', { name: 'Delete endpoint' })).toBeDisabled();
  await dialog.getByLabel(/Type delete to confirm/).fill('delete');
  await dialog.getByRole('button', { name: 'Delete endpoint' }).click();
  await expect(page.getByRole('heading', { name: 'Webhooks', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'http://127.0.0.1:9/delete-me' })).toHaveCount(0);
  expect((await server.api('webhooks.endpoints.list', {})).items.map((e: { id: string }) => e.id)).not.toContain(ep.id);
});
