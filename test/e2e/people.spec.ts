// People and permissions in Chromium (issue 9): a member and a viewer, each signed in with their own personal
// access token, see only what their role allows and are told why; an admin sees the access changes on the Audit
// page; the People page is axe-clean in light and dark. Screenshots of each land in test-results/people/.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, startServer, type Server } from './fixtures.ts';
import { test as base } from '@playwright/test';

const shots = 'test-results/people';
let server: Server;
const pat: Record<'member' | 'viewer', string> = { member: '', viewer: '' };
let boardId = '';
let memberName = '';

const test = base;

test.beforeAll(async () => {
  server = await startServer();
  const members = (await server.api('members.list', {})).items as { role: string; user: { id: string; name: string } }[];
  const member = members.find((m) => m.role === 'member')!;
  memberName = member.user.name;
  // A viewer joins the way anyone does: invited (pending), then the invitation accepted with its join token.
  const inv = await server.api('members.invite', { email: 'vera@viewer.test', name: 'Vera Viewer', role: 'viewer' });
  await server.api('invitations.accept', { joinToken: inv.joinToken }, 'e2e-invitee');
  pat.member = (await server.api('tokens.create', { userId: member.user.id, name: 'e2e member' })).token;
  pat.viewer = (await server.api('tokens.create', { userId: inv.invitee.id, name: 'e2e viewer' })).token;
  boardId = (await server.api('boards.list', {})).items.find((b: { name: string }) => b.name === 'Sprint board').id;
});
test.afterAll(async () => {
  await server.stop();
});

/** The console opened with a person's own token (the host maps it to that person; no switching). */
const openAs = (page: Page, token: string, hash: string) => page.goto(`${server.base}/?token=${token}${hash}`);

async function expectAxeClean(page: Page, what: string) {
  await page.waitForTimeout(300);
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect.soft(bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), `axe on ${what}`).toEqual([]);
}

test('a member sees no New endpoint and is told why; they can still move cards', async ({ page }) => {
  await openAs(page, pat.member, '#/webhooks');
  await expect(page.getByRole('heading', { name: 'Webhooks', exact: true })).toBeVisible();
  await expect(page.getByTestId('acting-as')).toContainText(`${memberName} (member)`);
  await expect(page.getByRole('button', { name: /New endpoint/ })).toHaveCount(0);
  await expect(page.getByTestId('not-allowed')).toHaveText('Only owners and admins can add or change endpoints; you are a member.');
  await page.screenshot({ path: `${shots}/member-webhooks.png` });
  await page.goto(`${server.base}/#/boards/${boardId}`);
  await expect(page.getByTestId('card').first()).toBeVisible();
  await expect(page.getByRole('button', { name: /^Move .+ to…$/ }).first()).toBeVisible();
  // No person switcher outside the demo's own desk: a token is one person.
  await expect(page.locator('#person-switcher')).toHaveCount(0);
});

test('a viewer sees no Move… and no New endpoint, and is told why', async ({ page }) => {
  await openAs(page, pat.viewer, `#/boards/${boardId}`);
  await expect(page.getByTestId('card').first()).toBeVisible();
  await expect(page.getByTestId('acting-as')).toContainText('Vera Viewer (viewer)');
  await expect(page.getByRole('button', { name: /^Move .+ to…$/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Add a card|Add card/ })).toHaveCount(0);
  await expect(page.getByTestId('not-allowed')).toHaveText('You are a viewer here: you can read everything but not add, move or edit cards.');
  await page.screenshot({ path: `${shots}/viewer-board.png` });
  await page.goto(`${server.base}/#/webhooks`);
  await expect(page.getByRole('heading', { name: 'Webhooks', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: /New endpoint/ })).toHaveCount(0);
  await page.goto(`${server.base}/#/people`);
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Send invitation' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Create token' })).toHaveCount(0);
  await expect(page.getByText('Only owners and admins can invite people or revoke invitations; you are a viewer.')).toBeVisible();
  // The viewer sees only their own token.
  await expect(page.getByRole('cell', { name: /e2e viewer/ })).toBeVisible();
  await expect(page.getByRole('cell', { name: /e2e member/ })).toHaveCount(0);
  await page.screenshot({ path: `${shots}/viewer-people.png`, fullPage: true });
  // Jobs: where the dispatcher runs in a sentence, not the hub's machine names and pids.
  await page.goto(`${server.base}/#/jobs`);
  const dispatchers = page.getByRole('region', { name: 'Dispatchers' });
  await expect(dispatchers.getByText('Owners and admins see which machines and processes run them.')).toBeVisible();
  await expect(dispatchers.getByRole('table')).toHaveCount(0);
  await expect(page.getByText(/^Background work of this workspace\. Dispatcher: running in this app/)).toBeVisible();
  await page.screenshot({ path: `${shots}/viewer-jobs.png`, fullPage: true });
});

test('an admin changes a role and manages an endpoint, and sees each change under Audit → Access changes', async ({ page }) => {
  // The owner's desk: the host's own token.
  await page.goto(`${server.url}#/people`);
  const row = page.getByRole('row', { name: /Vera Viewer/ });
  await row.getByRole('combobox', { name: 'Role of Vera Viewer' }).selectOption('member');
  await expect(row.getByRole('combobox', { name: 'Role of Vera Viewer' })).toHaveValue('member');
  const ep = await server.api('webhooks.endpoints.create', { url: 'http://127.0.0.1:9/hooks/secret-path', eventTypes: ['*'], networkScope: 'loopback' });
  await server.api('webhooks.endpoints.delete', { endpointId: ep.id });
  await page.goto(`${server.url}#/audit?tab=access`);
  const list = page.getByTestId('access-changes');
  await expect(list).toBeVisible();
  await expect(list.getByText("Ana Lima changed Vera Viewer's role from viewer to member")).toBeVisible();
  await expect(list.getByText('Ana Lima deleted the webhook endpoint for http://127.0.0.1:9')).toBeVisible();
  await expect(list.getByText('Ana Lima created a webhook endpoint for http://127.0.0.1:9')).toBeVisible();
  await expect(list.getByText(/created a personal access token for Vera Viewer/)).toBeVisible();
  await expect(list.getByText(/accepted the invitation|joined/).first()).toBeVisible();
  await expect(list).not.toContainText('secret-path');
  await page.screenshot({ path: `${shots}/admin-audit-access.png` });
  // Back to viewer for the checks below (also an access change).
  await page.goto(`${server.url}#/people`);
  await page.getByRole('combobox', { name: 'Role of Vera Viewer' }).selectOption('viewer');
  await expect(page.getByRole('combobox', { name: 'Role of Vera Viewer' })).toHaveValue('viewer');
});

for (const scheme of ['light', 'dark'] as const) {
  test(`the People page and Audit → Access changes are axe-clean (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${server.url}#/people`);
    await expect(page.getByRole('heading', { name: 'Personal access tokens' })).toBeVisible();
    await expect(page).toHaveTitle(/^People · Chronicle$/);
    await expectAxeClean(page, `people (${scheme})`);
    await page.screenshot({ path: `${shots}/people-${scheme}.png`, fullPage: true });
    await page.goto(`${server.url}#/audit?tab=access`);
    await expect(page.getByTestId('access-changes')).toBeVisible();
    await expectAxeClean(page, `audit access (${scheme})`);
    await page.screenshot({ path: `${shots}/audit-access-${scheme}.png` });
    await openAs(page, pat.member, '#/webhooks');
    await expect(page.getByTestId('not-allowed')).toBeVisible();
    await expectAxeClean(page, `webhooks as a member (${scheme})`);
    await openAs(page, pat.viewer, `#/boards/${boardId}`);
    await expect(page.getByTestId('not-allowed')).toBeVisible();
    await expectAxeClean(page, `board as a viewer (${scheme})`);
    await page.screenshot({ path: `${shots}/viewer-board-${scheme}.png` });
  });
}
