import type { Migration } from '../types.ts';
import { backfillChain } from '../../audit.ts';

// Audit on PostgreSQL (twin of ../sqlite/0003_audit.ts): the per-account hash chain keyed by (account_id, seq),
// and the workspace's signing key.
export const migration0003: Migration = {
  version: 3,
  name: 'audit',
  async up(tx) {
    await tx.script(`
      CREATE TABLE audit_chain (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        seq BIGINT NOT NULL CHECK (seq >= 1),
        event_table TEXT NOT NULL,
        event_id TEXT NOT NULL,
        prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
        hash TEXT NOT NULL CHECK (length(hash) = 64),
        created_at BIGINT NOT NULL,
        PRIMARY KEY (account_id, seq)
      );

      CREATE TABLE audit_keys (
        id TEXT PRIMARY KEY,
        algorithm TEXT NOT NULL CHECK (algorithm = 'ed25519'),
        public_key TEXT NOT NULL,
        private_key_enc TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
    `);
    // The event tables that existed at version 3 (later versions add tables with no rows to chain yet).
    await backfillChain(tx, ['card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived']);
  },
};
