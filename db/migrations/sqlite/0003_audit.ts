import type { Migration } from '../types.ts';
import { backfillChain } from '../../audit.ts';

// Audit: the per-account hash chain over every event row (see main/audit/canonical.ts for the exact form) and
// the workspace's Ed25519 signing key for review bundles (private key encrypted at rest).
//
// audit_chain is keyed by (account_id, seq): a link's identity is its place in its account's chain, so it has
// no UUID of its own. WITHOUT ROWID clusters the links by that key, so a verification reads them sequentially. audit_keys belongs to the workspace (the file), not to an account, hence no account_id.
// Existing events are chained here, per account, in (created_at, table, id) order.
export const migration0003: Migration = {
  version: 3,
  name: 'audit',
  async up(tx) {
    await tx.script(`
      CREATE TABLE audit_chain (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        event_table TEXT NOT NULL,
        event_id TEXT NOT NULL,
        prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
        hash TEXT NOT NULL CHECK (length(hash) = 64),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE audit_keys (
        id TEXT PRIMARY KEY,
        algorithm TEXT NOT NULL CHECK (algorithm = 'ed25519'),
        public_key TEXT NOT NULL,
        private_key_enc TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `);
    // The event tables that existed at version 3 (later versions add tables with no rows to chain yet).
    await backfillChain(tx, ['card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived']);
  },
};
