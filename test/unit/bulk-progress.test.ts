// The bulk retry dialog's progress, whichever of the method's answer and the job's pushes comes first. CI caught
// the page stuck at "Queuing 0 of 10…": the bulk job finished and pushed before the answer arrived, and the
// answer wound the progress back to its start.
import { describe, expect, it } from 'vitest';
import { progressOnPush, progressOnStart, type BulkProgress } from '../../renderer/lib/bulkProgress.ts';

const finished: BulkProgress = { bulkId: 'b1', done: 10, total: 10, finished: true };

describe('bulk retry progress', () => {
  it('an answer that comes after the finishing push leaves the finish standing', () => {
    const afterPush = progressOnPush(null, finished);
    expect(progressOnStart(afterPush, 'b1', 10)).toEqual(finished);
  });

  it('an answer first starts at zero, and the pushes move it on to the finish', () => {
    let p = progressOnStart(null, 'b1', 10);
    expect(p).toEqual({ bulkId: 'b1', done: 0, total: 10, finished: false });
    p = progressOnPush(p, { bulkId: 'b1', done: 4, total: 10, finished: false });
    expect(p?.done).toBe(4);
    p = progressOnPush(p, finished);
    expect(p).toEqual(finished);
  });

  it('a late progress push does not undo a finish, and another bulk job on the same endpoint is ignored', () => {
    const p = progressOnPush(finished, { bulkId: 'b1', done: 6, total: 10, finished: false });
    expect(p).toEqual(finished);
    const started = progressOnStart(null, 'b2', 3);
    expect(progressOnPush(started, finished)).toEqual(started);
  });

  it('an answer with nothing to queue (no bulk job) shows no progress', () => {
    expect(progressOnStart(null, null, 0)).toBeNull();
  });
});
