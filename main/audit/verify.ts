// Walk an account's hash chain and report the first broken link, in words.
import { chainCounts, chainHead, chainReader, firstSeq, linkAt, seqAfterTime, seqOfHash, unchainedRows } from '../../db/audit.ts';
import { CHAINED_TABLES, GENESIS, canonicalValues, isChainedTable, linkHash } from '../../db/audit-canonical.ts';
import type { Db } from '../../db/store.ts';

export type BreakKind = 'edited' | 'deleted' | 'inserted' | 'reordered';

export interface BrokenLink {
  /** Position in the chain where the record stops being trustworthy. */
  seq: number;
  table: string | null;
  id: string | null;
  kind: BreakKind;
  /** The break explained in a sentence. */
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** Links the walk set out to check (the head's seq when it started, minus the anchor). */
  total: number;
  head: { seq: number; hash: string } | null;
  firstBroken?: BrokenLink;
}

export interface VerifyOptions {
  /** Start from this link instead of seq 1 with the genesis hash (a bundle cut at a date, a signed checkpoint). */
  anchor?: { seq: number; prevHash: string };
  /** Stop at this seq (default: the head when the walk starts). */
  upTo?: number;
  /** Links read per statement (the walk yields to the event loop between chunks). */
  chunk?: number;
  onProgress?: (checked: number, total: number) => void;
  /** Check that every event row of the account has a link (default true). */
  checkUnchained?: boolean;
}

const label = (table: string | null, id: string | null) => (table && id ? `${table} row ${id}` : 'a row');

/**
 * Verify the chain of one account, on a workspace file, a hub or a review bundle. Reads in chunks (each link with
 * its event row, db/audit.ts chainReader) and yields between them so a server stays responsive.
 */
export async function verifyChain(db: Db, accountId: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  // Small chunks keep what is read short-lived (cheap young-generation GC); measured best around 2,000.
  const chunk = options.chunk ?? 2_000;
  const head = (await chainHead(db, accountId)) ?? null;
  const upTo = options.upTo ?? head?.seq ?? 0;
  const start = options.anchor?.seq ?? 1;
  let expectedSeq = start;
  let expectedPrev = options.anchor?.prevHash ?? GENESIS;
  let prevPrev: string | null = null;
  let prevRow: { table: string; id: string } | null = null;
  const total = Math.max(0, upTo - start + 1);
  let checked = 0;
  let broken: BrokenLink | undefined;

  // A chain whose first link is not where it should be (links removed from the start).
  if (upTo >= start) {
    const first = await firstSeq(db, accountId);
    if (first !== undefined && first > start) {
      broken = { seq: start, table: null, id: null, kind: 'deleted', message: `Links #${start} to #${first - 1} are missing: the start of the chain was removed.` };
    }
  }

  const reader = chainReader(db, accountId);
  let after = start - 1;
  while (!broken && after < upTo) {
    const steps = await reader.read(after, upTo, chunk);
    if (steps.length === 0) break;
    for (const { seq, table, eventId, prevHash: storedPrev, hash: storedHash, values: row, offset } of steps) {
      if (seq !== expectedSeq) {
        const missing = seq - expectedSeq;
        broken = {
          seq: expectedSeq, table: null, id: null, kind: 'deleted',
          message: missing === 1 ? `Link #${expectedSeq} is missing: it was removed from the chain.` : `Links #${expectedSeq} to #${seq - 1} are missing: they were removed from the chain.`,
        };
        break;
      }
      if (!isChainedTable(table)) {
        broken = { seq, table, id: eventId, kind: 'edited', message: `Link #${seq} names an unknown table “${table}”: the chain itself was edited.` };
        break;
      }
      if (!row) {
        broken = { seq, table, id: eventId, kind: 'deleted', message: `The ${table} row ${eventId}, recorded at #${seq}, was deleted.` };
        break;
      }
      const computed = linkHash(storedPrev, table, canonicalValues(table, row, offset));
      if (computed !== storedHash) {
        const next = await linkAt(db, accountId, seq + 1);
        broken = next && next.prev_hash === expectedPrev && storedPrev !== expectedPrev
          ? { seq, table, id: eventId, kind: 'inserted', message: `The ${table} row ${eventId} at #${seq} was inserted: the link after it still follows #${seq - 1}.` }
          : { seq, table, id: eventId, kind: 'edited', message: `The ${table} row ${eventId} at #${seq} no longer matches its hash: it was changed after it was recorded.` };
        break;
      }
      if (storedPrev !== expectedPrev) {
        if (prevPrev !== null && storedPrev === prevPrev && prevRow) {
          broken = {
            seq: seq - 1, table: prevRow.table, id: prevRow.id, kind: 'inserted',
            message: `The ${label(prevRow.table, prevRow.id)} at #${seq - 1} was inserted: the link after it still follows #${seq - 2}.`,
          };
        } else {
          const original = await seqOfHash(db, accountId, storedPrev);
          broken = original !== undefined
            ? { seq, table, id: eventId, kind: 'reordered', message: `The ${table} row ${eventId} at #${seq} was recorded right after #${original}, not after #${seq - 1}: rows were reordered.` }
            : { seq, table, id: eventId, kind: 'deleted', message: `The link before #${seq} is not the one it was chained to: a row recorded just before ${table} row ${eventId} was removed.` };
        }
        break;
      }
      prevPrev = expectedPrev;
      expectedPrev = storedHash;
      prevRow = { table, id: eventId };
      expectedSeq++;
      checked++;
    }
    after = expectedSeq - 1;
    options.onProgress?.(checked, total);
    if (!broken && after < upTo) await new Promise<void>((r) => setImmediate(r));
  }
  if (!broken && expectedSeq - 1 < upTo) {
    broken = { seq: expectedSeq, table: null, id: null, kind: 'deleted', message: `Links #${expectedSeq} to #${upTo} are missing: the end of the chain was removed.` };
  }

  // Rows the chain never saw: an event row inserted behind Chronicle's back has no link.
  if (options.checkUnchained !== false) {
    const counts = await chainCounts(db, accountId);
    for (const t of CHAINED_TABLES) {
      if (counts[t].rows <= counts[t].links) continue;
      for (const r of await unchainedRows(db, accountId, t)) {
        const at = (await seqAfterTime(db, accountId, r.created_at)) ?? upTo + 1;
        if (!broken || at < broken.seq) {
          broken = {
            seq: at, table: t, id: r.id, kind: 'inserted',
            message: `The ${t} row ${r.id} is not in the chain: it was inserted without being recorded (by its time it would sit just before #${at}).`,
          };
        }
        break;
      }
    }
  }

  return broken ? { ok: false, checked, total, head, firstBroken: broken } : { ok: true, checked, total, head };
}
