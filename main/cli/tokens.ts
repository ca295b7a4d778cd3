// `chronicle tokens create|list|revoke`: personal access tokens from the server's shell (a hub's operator making
// the first token, or revoking one at once). Same commands as the console's People page (main/domain/tokens.ts):
// the token is printed once, stored as its hash, and each create or revoke is an access event, recorded as done by
// the account's owner from the shell.
import fs from 'node:fs';
import { listAccessTokens } from '../../db/people.ts';
import { isHubLocation } from '../../db/store.ts';
import * as ws from '../../db/workspace.ts';
import { createApp, type App } from '../app.ts';
import type { DomainContext } from '../domain/context.ts';
import { createToken, revokeToken } from '../domain/tokens.ts';
import { parseFlags, requireFlag, UsageError } from './args.ts';

export const tokensHelp = `chronicle tokens create|list|revoke --db FILE|postgres://… [--account NAME]
  create --email E [--name TEXT]   make a personal access token for the member with that e-mail; printed once
  list [--all]                     the account's tokens (--all: revoked ones too), never their values
  revoke --id TOKEN_ID             revoke a token at once (requests with it are refused from then on)
  --account NAME                   which account (default: the only one; required when there are several)`;

async function accountOf(app: App, name: string | undefined) {
  const accounts = await ws.listAllAccounts(app.store);
  if (name) {
    const a = accounts.find((x) => x.name === name);
    if (!a) throw new UsageError(`No account is named “${name}”.`);
    return a;
  }
  if (accounts.length === 1) return accounts[0];
  throw new UsageError(accounts.length ? `There are ${accounts.length} accounts: choose one with --account (${accounts.map((a) => `“${a.name}”`).join(', ')}).` : 'The workspace has no account.');
}

/** The shell acts as the account's owner: the trail says who the operator acted for. */
async function shellContext(app: App, accountId: string): Promise<DomainContext> {
  const owner = await ws.defaultMember(app.store, accountId);
  if (!owner) throw new UsageError('The account has no member to act as.');
  return { store: app.store, push: app.push, session: { accountId, userId: owner.user_id } };
}

export async function tokens(argv: string[]) {
  const { values, positionals } = parseFlags(argv, {
    db: { type: 'string' },
    account: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    id: { type: 'string' },
    all: { type: 'boolean' },
  });
  const sub = positionals[0];
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError('Say what to do: create, list or revoke.');
  const location = requireFlag(values.db, '--db');
  if (!isHubLocation(location) && !fs.existsSync(location)) throw new UsageError(`${location} does not exist.`);
  const app = await createApp({ location, background: false });
  try {
    const account = await accountOf(app, values.account);
    if (sub === 'list') {
      const rows = await listAccessTokens(app.store, account.id, { includeRevoked: values.all ?? false });
      if (!rows.length) process.stdout.write('No tokens.\n');
      for (const t of rows) {
        const state = t.revoked_at !== null ? `revoked ${new Date(t.revoked_at).toISOString()}` : t.last_used_at !== null ? `last used ${new Date(t.last_used_at).toISOString()}` : 'never used';
        process.stdout.write(`${t.id}  ${t.prefix}…  ${t.person_name} (${t.role ?? 'no longer a member'})  “${t.name}”  ${state}\n`);
      }
      return;
    }
    const ctx = await shellContext(app, account.id);
    if (sub === 'create') {
      const email = requireFlag(values.email, '--email').trim().toLowerCase();
      const user = await ws.findUserByEmail(app.store, email);
      if (!user || !(await ws.findMembership(app.store, account.id, user.id))) throw new UsageError(`${email} is not a member of “${account.name}”.`);
      const { token, id } = await createToken(ctx, { userId: user.id, name: values.name ?? 'Made from the shell' }, 'shell');
      process.stderr.write(`Token ${id} for ${user.name} in “${account.name}”. It is shown only now; keep it somewhere safe:\n`);
      process.stdout.write(`${token}\n`);
      return;
    }
    await revokeToken(ctx, requireFlag(values.id, '--id'));
    process.stdout.write(`Revoked ${values.id}.\n`);
  } finally {
    await app.close();
  }
}
