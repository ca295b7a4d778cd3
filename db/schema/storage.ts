// Row types of data key fingerprints and storage checks (migration 0007).
export type DataKeyName = 'webhook-secrets' | 'audit-signing';
export interface DataKeysTable { name: DataKeyName; fingerprint: string; created_at: number }
export interface StorageChecksTable {
  kind: 'quick' | 'full';
  ok: boolean;
  /** JSON array of SQLite's messages (empty when ok). */
  problems: string;
  checked_at: number;
  duration_ms: number;
}
export interface StorageSchema {
  data_keys: DataKeysTable;
  storage_checks: StorageChecksTable;
}
