import path from 'node:path';
import { findAccount } from '../../db/workspace.ts';
import type { auditMethods } from '../../preload/contract/audit.ts';
import { exportBundle, isBundle, readManifest, verifyBundleDb } from '../audit/bundle.ts';
import { auditList, cardAt, cardHistory, compareVersions, revertCard } from '../audit/history.ts';
import { ensureSigningKey } from '../audit/keys.ts';
import { verifyChain } from '../audit/verify.ts';
import { AppError, invalid } from '../errors.ts';
import type { HandlerContext, Handlers } from './types.ts';

function progress(ctx: HandlerContext, runId: string | undefined, task: 'verify' | 'export') {
  if (!runId) return undefined;
  let last = 0;
  return (phase: string, done: number, total: number) => {
    // At most ~10 messages a second, plus the last one.
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    ctx.push.publish(ctx.session.accountId, 'audit.progress', { runId, task, phase, done, total });
  };
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'account';

// Handlers of the audit area: one per method of preload/contract/audit.ts.
export const auditHandlers: Handlers<keyof typeof auditMethods> = {
  'audit.cardHistory': (ctx, input) => cardHistory(ctx.sqlite, ctx.session.accountId, input),
  'audit.compare': (ctx, input) => compareVersions(ctx.sqlite, ctx.session.accountId, input),
  'audit.cardAt': (ctx, input) => {
    // A bundle cut at a start date cannot rebuild moments before it: the changes in between are not in it.
    const from = isBundle(ctx.sqlite) ? readManifest(ctx.sqlite)?.manifest.range.from : null;
    if (from && Date.parse(input.at) < Date.parse(from)) {
      throw invalid(`This review bundle starts at ${from}; the card cannot be rebuilt for an earlier moment.`, ['at']);
    }
    return cardAt(ctx.sqlite, ctx.session.accountId, input);
  },
  'audit.revert': (ctx, input) => revertCard(ctx, input),
  'audit.list': (ctx, input) => {
    if (input.from && input.to && Date.parse(input.from) > Date.parse(input.to)) throw invalid('The start of the range is after its end.', ['from']);
    return auditList(ctx.sqlite, ctx.session.accountId, input);
  },
  'audit.verify': async (ctx, input) => {
    const report = progress(ctx, input.runId, 'verify');
    const onProgress = report ? (done: number, total: number) => report('chain', done, total) : undefined;
    if (isBundle(ctx.sqlite)) {
      const v = await verifyBundleDb(ctx.sqlite, ctx.app.dbFile, onProgress);
      const c = v.chain;
      return {
        ok: v.ok,
        checked: c?.checked ?? 0,
        total: c?.total ?? 0,
        head: c?.head ?? null,
        ...(c?.firstBroken ? { firstBroken: c.firstBroken } : {}),
        bundleChecks: v.checks,
      };
    }
    const r = await verifyChain(ctx.sqlite, ctx.session.accountId, { onProgress });
    return { ok: r.ok, checked: r.checked, total: r.total, head: r.head, ...(r.firstBroken ? { firstBroken: r.firstBroken } : {}) };
  },
  'audit.export': async (ctx, input) => {
    const fromMs = input.from ? Date.parse(input.from) : undefined;
    const toMs = input.to ? Date.parse(input.to) : undefined;
    if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw invalid('The start of the range is after its end.', ['from']);
    const account = findAccount(ctx.sqlite, ctx.session.accountId)!;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const out = path.join(ctx.app.dataDir, 'bundles', `${slug(account.name)}-${stamp}.chronicle-bundle`);
    const report = progress(ctx, input.runId, 'export');
    const phases = ['copy', 'prune', 'compact', 'sign'];
    try {
      const result = await exportBundle(ctx.sqlite, {
        accountId: ctx.session.accountId,
        out,
        dataDir: ctx.app.dataDir,
        fromMs,
        toMs,
        // One bar for the whole export: copy 0–70 %, prune 70–80, compact 80–90, sign 90–100.
        onProgress: report ? (phase, f) => report(phase, phase === 'copy' ? f * 70 : 70 + (phases.indexOf(phase) - 1) * 10 + f * 10, 100) : undefined,
      });
      return result;
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('conflict', `The bundle could not be written: ${(err as Error).message}`);
    }
  },
  'audit.bundleInfo': (ctx) => {
    const stored = isBundle(ctx.sqlite) ? readManifest(ctx.sqlite) : null;
    if (stored) return { bundle: stored.manifest, workspaceKey: null, readOnly: ctx.app.readOnly };
    const key = ctx.app.readOnly ? null : ensureSigningKey(ctx.sqlite, ctx.app.dataDir);
    return { bundle: null, workspaceKey: key, readOnly: ctx.app.readOnly };
  },
};
