import path from 'node:path';
import { findAccount } from '../../db/workspace.ts';
import type { auditMethods } from '../../preload/contract/audit.ts';
import { exportBundle, isBundle, readManifest, verifyBundleDb, type ExportPhase } from '../audit/bundle.ts';
import { auditList, cardAt, cardHistory, compareVersions, revertCard } from '../audit/history.ts';
import { ensureSigningKey } from '../audit/keys.ts';
import { verifyChain } from '../audit/verify.ts';
import { AppError, invalid, notFound } from '../errors.ts';
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
  'audit.cardHistory': (ctx, input) => cardHistory(ctx.store, ctx.session.accountId, input),
  'audit.compare': (ctx, input) => compareVersions(ctx.store, ctx.session.accountId, input),
  'audit.cardAt': async (ctx, input) => {
    // A bundle cut at a start date cannot rebuild moments before it: the changes in between are not in it.
    const from = (await readManifest(ctx.store))?.manifest.range.from;
    if (from && Date.parse(input.at) < Date.parse(from)) {
      throw invalid(`This review bundle starts at ${from}; the card cannot be rebuilt for an earlier moment.`, ['at']);
    }
    return cardAt(ctx.store, ctx.session.accountId, input);
  },
  'audit.revert': (ctx, input) => revertCard(ctx, input),
  'audit.list': (ctx, input) => {
    if (input.from && input.to && Date.parse(input.from) > Date.parse(input.to)) throw invalid('The start of the range is after its end.', ['from']);
    return auditList(ctx.store, ctx.session.accountId, input);
  },
  'audit.verify': async (ctx, input) => {
    const report = progress(ctx, input.runId, 'verify');
    const onProgress = report ? (done: number, total: number) => report('chain', done, total) : undefined;
    if (await isBundle(ctx.store)) {
      const v = await verifyBundleDb(ctx.store, ctx.app.local ? ctx.app.location : null, onProgress);
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
    const r = await verifyChain(ctx.store, ctx.session.accountId, { onProgress });
    return { ok: r.ok, checked: r.checked, total: r.total, head: r.head, ...(r.firstBroken ? { firstBroken: r.firstBroken } : {}) };
  },
  'audit.export': async (ctx, input) => {
    const fromMs = input.from ? Date.parse(input.from) : undefined;
    const toMs = input.to ? Date.parse(input.to) : undefined;
    if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw invalid('The start of the range is after its end.', ['from']);
    const account = await findAccount(ctx.store, ctx.session.accountId);
    if (!account) throw notFound('The account');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const out = path.join(ctx.app.dataDir, 'bundles', `${slug(account.name)}-${stamp}.chronicle-bundle`);
    const report = progress(ctx, input.runId, 'export');
    // One bar for the whole export: copy 0–85 %, sign 85–100.
    const span: Record<ExportPhase, [number, number]> = { copy: [0, 85], sign: [85, 100] };
    try {
      const result = await exportBundle(ctx.store, {
        accountId: ctx.session.accountId,
        out,
        dataDir: ctx.app.dataDir,
        fromMs,
        toMs,
        onProgress: report ? (phase, f) => report(phase, span[phase][0] + f * (span[phase][1] - span[phase][0]), 100) : undefined,
      });
      return result;
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('conflict', `The bundle could not be written: ${(err as Error).message}`);
    }
  },
  'audit.bundleInfo': async (ctx) => {
    const stored = await readManifest(ctx.store);
    if (stored) return { bundle: stored.manifest, workspaceKey: null, readOnly: ctx.app.readOnly };
    const key = ctx.app.readOnly ? null : await ensureSigningKey(ctx.store, ctx.app.dataDir);
    return { bundle: null, workspaceKey: key, readOnly: ctx.app.readOnly };
  },
};
