import type { Migration } from '../types.ts';
import { accessEventDdl, dedupeEmails } from '../common/people.ts';

// People and permissions.
// - users.email becomes unique (after dedupeEmails, see common/people.ts): one person per e-mail in a workspace,
//   so an invitation or a new account can never pick "some" person with that e-mail, and concurrent inserts of
//   one e-mail meet at the index (ON CONFLICT) instead of making two people.
// - accounts.demo: the demo seed marks its accounts; acting as someone else (session.switchUser) exists only there.
// - invitations: pending until the invitee accepts (or declines, or an admin revokes). A membership is made only
//   by accepting. On a hub the invitee may hold a one-time join token, kept as its SHA-256 only.
// - access_tokens: personal access tokens of a hub, kept as SHA-256 only; a token acts for its person in its
//   account with the person's current role there.
// - webhook_endpoints.deleted_at: deleting an endpoint keeps it (and its deliveries and attempts) for the record.
// - the access event tables (common/people.ts), chained in the audit trail like the first six.
export const migration0006: Migration = {
  version: 6,
  name: 'people',
  async up(tx) {
    await dedupeEmails(tx);
    await tx.script(`
      CREATE UNIQUE INDEX users_email ON users(email);

      ALTER TABLE accounts ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));

      CREATE TABLE invitations (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        invitee_id TEXT NOT NULL REFERENCES users(id),
        role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
        join_token_hash TEXT UNIQUE CHECK (join_token_hash IS NULL OR length(join_token_hash) = 64),
        invited_by TEXT NOT NULL REFERENCES users(id),
        membership_id TEXT REFERENCES memberships(id),
        decided_by TEXT REFERENCES users(id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        decided_at INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX invitations_pending ON invitations(account_id, invitee_id) WHERE status = 'pending';
      CREATE INDEX invitations_account ON invitations(account_id, created_at);
      CREATE INDEX invitations_invitee ON invitations(invitee_id, status);

      CREATE TABLE access_tokens (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
        prefix TEXT NOT NULL,
        created_by TEXT NOT NULL REFERENCES users(id),
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER,
        revoked_by TEXT REFERENCES users(id)
      ) STRICT;
      CREATE INDEX access_tokens_account ON access_tokens(account_id, created_at);

      ALTER TABLE webhook_endpoints ADD COLUMN deleted_at INTEGER;

      ${accessEventDdl('sqlite')}
    `);
  },
};
