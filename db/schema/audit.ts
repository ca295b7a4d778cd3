// Row types of the audit tables (migration 0003). The SQL itself lives in db/audit.ts.
export interface AuditChainTable {
  account_id: string; seq: number; event_table: string; event_id: string; prev_hash: string; hash: string; created_at: number;
}
export interface AuditKeysTable {
  id: string; algorithm: 'ed25519'; public_key: string; private_key_enc: string; fingerprint: string; created_at: number;
}
export interface AuditSchema {
  audit_chain: AuditChainTable;
  audit_keys: AuditKeysTable;
}
