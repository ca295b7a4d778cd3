import { expect, test } from './fixtures.ts';

test('the console opens on the demo workspace with the token from its URL', async ({ page, server }) => {
  await page.goto(server.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByLabel('Account')).toHaveValue(/.+/);
});

test('the API without the token is refused', async ({ request, server }) => {
  const res = await request.post(`${server.base}/api/session.get`, { data: {} });
  expect(res.status()).toBe(401);
});
