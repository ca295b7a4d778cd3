// Personal access tokens: how a person reaches a team hub's API. A token is shown once, kept as its SHA-256 only
// (db/people.ts says why that hash suffices), acts for its person in its account with their role there at the
// moment of each request, and can be revoked. Creating and revoking are access events.
import { randomBytes } from 'node:crypto';
import { newId } from '../../db/ids.ts';
import * as people from '../../db/people.ts';
import type { AccessTokensTable } from '../../db/schema.ts';
import type { Tx } from '../../db/store.ts';
import * as ws from '../../db/workspace.ts';
import { conflict, notFound } from '../errors.ts';
import { announce, inCommand, now, type DomainContext } from './context.ts';
import type { RecordedEvent } from './hooks.ts';
import { recordEvent } from './record.ts';

/** `chr_` + 256 random bits (43 base64url characters). */
export const newAccessToken = () => `chr_${randomBytes(32).toString('base64url')}`;
export const isAccessTokenShape = (t: string) => /^chr_[A-Za-z0-9_-]{43}$/.test(t);
export const isJoinTokenShape = (t: string) => /^chrj_[A-Za-z0-9_-]{43}$/.test(t);

/** Insert a new token for a member and record token_created, inside the caller's transaction. */
export async function mintToken(
  tx: Tx,
  input: { accountId: string; userId: string; name: string; by: string; source: 'console' | 'shell' | 'invitation'; at: number },
): Promise<{ token: string; row: AccessTokensTable; event: RecordedEvent }> {
  const token = newAccessToken();
  const row: AccessTokensTable = {
    id: newId(input.at), account_id: input.accountId, user_id: input.userId, name: input.name, token_hash: people.hashToken(token),
    prefix: token.slice(0, 10), created_by: input.by, created_at: input.at, last_used_at: null, revoked_at: null, revoked_by: null,
  };
  await people.insertAccessToken(tx, row);
  const event = await recordEvent(
    tx,
    'token_created',
    { id: newId(input.at), account_id: input.accountId, creator_id: input.by, created_at: input.at, token_id: row.id, person_id: input.userId, source: input.source },
    { boardId: null, projectId: null },
  );
  return { token, row, event };
}

/** A token for a member of the session's account, made by an owner or admin (the contract checks the role). */
export async function createToken(ctx: DomainContext, input: { userId: string; name: string }, source: 'console' | 'shell' = 'console') {
  const { session } = ctx;
  const at = now(ctx);
  const minted = await inCommand(ctx, async (tx) => {
    if (!(await ws.findMembership(tx, session.accountId, input.userId))) throw notFound('The person');
    return mintToken(tx, { accountId: session.accountId, userId: input.userId, name: input.name.trim(), by: session.userId, source, at });
  });
  announce(ctx, [minted.event]);
  ctx.push.publish(session.accountId, 'people.changed', {});
  return { token: minted.token, id: minted.row.id };
}

export async function revokeToken(ctx: DomainContext, tokenId: string) {
  const { session } = ctx;
  const at = now(ctx);
  const event = await inCommand(ctx, async (tx) => {
    const t = await people.findAccessToken(tx, session.accountId, tokenId);
    if (!t) throw notFound('The token');
    if (!(await people.revokeAccessToken(tx, session.accountId, t.id, session.userId, at))) throw conflict('The token was already revoked.');
    return recordEvent(
      tx,
      'token_revoked',
      { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, token_id: t.id, person_id: t.user_id },
      { boardId: null, projectId: null },
    );
  });
  announce(ctx, [event]);
  ctx.push.publish(session.accountId, 'people.changed', {});
}
