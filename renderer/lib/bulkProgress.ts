// The progress of one bulk retry, as the dialog shows it. Two things report it and either may come first: the
// method's answer (the bulk job's id and its count) and the job's push (`webhooks.bulk.progress`). A small job
// can finish, and push `finished`, before the answer reaches the page; the answer must not wind it back.

export interface BulkProgress {
  bulkId: string;
  done: number;
  total: number;
  finished: boolean;
}

/** The method answered: the bulk job `bulkId` will queue `count` deliveries. A push already heard for it stands. */
export function progressOnStart(cur: BulkProgress | null, bulkId: string | null, count: number): BulkProgress | null {
  if (!bulkId) return null;
  if (cur && cur.bulkId === bulkId) return cur;
  return { bulkId, done: 0, total: count, finished: false };
}

/**
 * A push for the endpoint: taken when it is for the bulk job on show, or when none is on show yet (the answer
 * may still be on its way). A push never undoes a finish (pushes of one job can arrive out of order).
 */
export function progressOnPush(cur: BulkProgress | null, push: BulkProgress): BulkProgress | null {
  if (!cur) return push;
  if (cur.bulkId !== push.bulkId) return cur;
  if (cur.finished && !push.finished) return cur;
  return push;
}
