// Helpers more than one benchmark uses: a webhook endpoint written straight into the store, receivers on
// 127.0.0.1, and a PostgreSQL bulk load of generated rows (the feed and audit benches' million-row workspaces).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { newId } from '../../db/ids.ts';
import { rawRun } from '../../db/sql.ts';
import type { App } from '../../main/app.ts';
import { webhooksService } from '../../main/webhooks/service.ts';

/** An HTTP server on 127.0.0.1 (a free port) with `handler`, and its URL. */
export async function listen(handler: http.RequestListener, urlPath = '/hooks'): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${urlPath}` };
}

/**
 * A receiver that tells when the delivery of a card's event arrives: `arrival(cardId)` resolves with the moment
 * (performance.now()) its request ended, for latency measures.
 */
export async function cardArrivals(urlPath = '/hooks') {
  const waiters = new Map<string, (t: number) => void>();
  const rx = await listen((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const t = performance.now();
      res.end('ok');
      waiters.get(JSON.parse(body).data.card_id as string)?.(t);
    });
  }, urlPath);
  return {
    ...rx,
    arrival: (cardId: string) => new Promise<number>((r) => waiters.set(cardId, r)),
    forget: (cardId: string) => void waiters.delete(cardId),
  };
}

/** An active loopback endpoint of the app's default account, its secret encrypted as the app would keep it. */
export async function insertEndpoint(app: App, o: { url: string; secret: string; concurrency: number; eventTypes?: string[] }): Promise<string> {
  const session = (await app.defaultSession())!;
  const now = Date.now();
  const id = newId(now);
  await rawRun(
    app.store,
    `INSERT INTO webhook_endpoints (id, account_id, url, event_types, secret_enc, network_scope, concurrency, creator_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'loopback', ?, ?, ?, ?)`,
    [id, session.accountId, o.url, JSON.stringify(o.eventTypes ?? ['*']), webhooksService(app).box.encrypt(o.secret), o.concurrency, session.userId, now, now],
  );
  return id;
}

/**
 * PostgreSQL bulk load on a client of its own: `withoutChecks` turns off the per-row foreign-key triggers (the
 * generated rows are consistent by construction, as a restore's are) and drops the activities indexes; `insert`
 * writes rows given as arrays in `columns` order (multi-row inserts from arrays, 10,000 rows a statement, one
 * transaction); `restore` builds the indexes once and analyzes.
 */
export function pgBulkLoad<T extends string>(client: pg.Client, columns: Record<T, Record<string, string>>) {
  const CHUNK = 10_000;
  let indexSql: string[] = [];
  return {
    async withoutChecks() {
      await client.query(`SET session_replication_role = replica`);
      await client.query(`SET maintenance_work_mem = '256MB'`);
      const r = await client.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'activities' AND indexname NOT LIKE '%_pkey' ORDER BY indexname`,
      );
      indexSql = r.rows.map((x) => x.indexdef);
      for (const x of r.rows) await client.query(`DROP INDEX ${x.indexname}`);
    },
    async insert(rows: Partial<Record<T, unknown[][]>>) {
      await client.query('BEGIN');
      for (const [table, list] of Object.entries(rows) as [T, unknown[][]][]) {
        const cols = Object.entries(columns[table]);
        const sql = `INSERT INTO ${table} (${cols.map(([c]) => c).join(', ')}) SELECT * FROM unnest(${cols.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;
        for (let from = 0; from < list.length; from += CHUNK) {
          const part = list.slice(from, from + CHUNK);
          await client.query(sql, cols.map((_, c) => part.map((r) => r[c])));
        }
      }
      await client.query('COMMIT');
    },
    async restore() {
      await client.query(`SET session_replication_role = DEFAULT`);
      for (const sql of indexSql) await client.query(sql);
      await client.query('ANALYZE');
    },
  };
}

/** Columns of the tables the feed and audit generators fill, in schema order, with their PostgreSQL types (for unnest). */
export const bulkColumns = {
  accounts: { id: 'text', name: 'text', created_at: 'bigint' },
  users: { id: 'text', account_id: 'text', name: 'text', email: 'text', created_at: 'bigint' },
  memberships: { id: 'text', account_id: 'text', user_id: 'text', role: 'text', created_at: 'bigint' },
  projects: { id: 'text', account_id: 'text', name: 'text', archived_at: 'bigint', archived_reason: 'text', created_at: 'bigint' },
  boards: { id: 'text', account_id: 'text', project_id: 'text', name: 'text', created_at: 'bigint' },
  columns: { id: 'text', account_id: 'text', board_id: 'text', name: 'text', position: 'integer', created_at: 'bigint' },
  cards: {
    id: 'text', account_id: 'text', board_id: 'text', column_id: 'text', position: 'integer', title: 'text', description: 'text',
    assignee_id: 'text', due_date: 'text', creator_id: 'text', created_at: 'bigint', updated_at: 'bigint',
  },
  comments: { id: 'text', account_id: 'text', card_id: 'text', author_id: 'text', body: 'text', created_at: 'bigint' },
  card_created: { id: 'text', account_id: 'text', creator_id: 'text', created_at: 'bigint', card_id: 'text', board_id: 'text', column_id: 'text', title: 'text' },
  card_moved: {
    id: 'text', account_id: 'text', creator_id: 'text', created_at: 'bigint', card_id: 'text', from_column_id: 'text', to_column_id: 'text',
    from_position: 'integer', to_position: 'integer',
  },
  card_updated: { id: 'text', account_id: 'text', creator_id: 'text', created_at: 'bigint', card_id: 'text', changes: 'text' },
  comment_added: { id: 'text', account_id: 'text', creator_id: 'text', created_at: 'bigint', comment_id: 'text', card_id: 'text' },
  member_invited: { id: 'text', account_id: 'text', creator_id: 'text', created_at: 'bigint', membership_id: 'text', invitee_id: 'text', role: 'text' },
  project_archived: { id: 'text', account_id: 'text', creator_id: 'text', created_at: 'bigint', project_id: 'text', reason: 'text' },
  audit_chain: { account_id: 'text', seq: 'bigint', event_table: 'text', event_id: 'text', prev_hash: 'text', hash: 'text', created_at: 'bigint' },
  activities: {
    id: 'text', account_id: 'text', subject_type: 'text', subject_id: 'text', creator_id: 'text', board_id: 'text', project_id: 'text',
    created_at: 'bigint',
  },
} satisfies Record<string, Record<string, string>>;
