// Webhook delivery report: per day (deliveries, success rate) and per endpoint (success rate, p50/p95 attempt
// latency). Success rate = delivered / (delivered + failed): deliveries still pending or retrying are not settled.
import * as rep from '../../db/reports.ts';
import type { Db } from '../../db/sql.ts';
import type { Output } from '../../preload/contract.ts';
import { dayString, type ResolvedRange } from './summary.ts';

const rate = (ok: number, failed: number) => (ok + failed === 0 ? null : Math.round((ok / (ok + failed)) * 10000) / 10000);

export async function webhookReport(db: Db, accountId: string, r: ResolvedRange): Promise<Output<'reports.webhooks'>> {
  if (!(await rep.hasWebhookTables(db))) return { available: false, daily: [], endpoints: [] };
  const byDay = new Map((await rep.webhookDailyDeliveries(db, accountId, r)).map((d) => [d.day, d]));
  const daily = [];
  for (let d = r.fromDay; d <= r.toDay; d++) {
    const x = byDay.get(d);
    const ok = x?.ok ?? 0;
    const failed = x?.failed ?? 0;
    daily.push({ day: dayString(d), deliveries: x?.n ?? 0, succeeded: ok, failed, successRate: rate(ok, failed) });
  }
  const latency = new Map((await rep.webhookAttemptLatency(db, accountId, r)).map((l) => [l.id, l]));
  const endpoints = (await rep.webhookEndpointDeliveries(db, accountId, r)).map((e) => {
    const l = latency.get(e.id);
    return {
      endpointId: e.id,
      name: e.name,
      deliveries: e.n,
      succeeded: e.ok,
      failed: e.failed,
      successRate: rate(e.ok, e.failed),
      attempts: l?.attempts ?? 0,
      p50Ms: l?.p50 ?? null,
      p95Ms: l?.p95 ?? null,
    };
  });
  return { available: true, daily, endpoints };
}
