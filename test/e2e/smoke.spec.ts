import { expect, test } from './fixtures.ts';

test('the console opens on the demo workspace with the token from its URL', async ({ page, server }) => {
  await page.goto(server.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByLabel('Account')).toHaveValue(/.+/);
});

test('the page without the token is refused', async ({ page, server }) => {
  const res = await page.goto(server.base + '/');
  expect(res?.status()).toBe(401);
});
