import type { Sqlite } from '../../db/sql.ts';
import type { TopicName, TopicPayload } from '../../preload/contract.ts';

/** What a job handler gets: its own connection (job runners may live in a worker thread) and a way to push. */
export interface JobContext {
  sqlite: Sqlite;
  /** Publish a push topic to the account's open windows (forwarded to the main thread when in a worker). */
  publish<T extends TopicName>(accountId: string, topic: T, payload: TopicPayload<T>): void;
  /** Folder for key files (webhook secrets are decrypted with a key kept there). */
  dataDir: string;
  job: { id: string; accountId: string; kind: string; attempts: number };
}

export type JobHandler = (ctx: JobContext, args: Record<string, unknown>) => void | Promise<void>;

export interface JobKind {
  queue: string;
  handle: JobHandler;
}
