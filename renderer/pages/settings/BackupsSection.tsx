// Settings → Backups: the file's integrity checks, its data keys, and backups (with progress) for owners and
// admins; on damage, what was found and the command that puts the last backup back.
import { useQueryClient } from '@tanstack/react-query';
import { Archive, ShieldAlert } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { Output } from '../../../preload/contract.ts';
import { Button, ErrorNotice, RelativeTime, Skeleton } from '../../components/ui.tsx';
import { api, subscribe } from '../../lib/client.ts';
import { useApi } from '../../lib/queries.ts';
import { ProgressBar } from '../audit/diff.tsx';

const newRunId = () => `backup-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

const keyStateLabel: Record<string, string> = { ok: 'In place', unused: 'Not made yet', missing: 'Missing', different: 'Another key', unusable: 'Unusable' };

function Damage({ damage, restoreCommand }: { damage: NonNullable<Output<'storage.status'>['damage']>; restoreCommand: string | null }) {
  return (
    <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
      <p className="flex items-center gap-2 font-semibold"><ShieldAlert className="size-4" aria-hidden="true" /> The workspace file is damaged; changes are refused</p>
      <p className="mt-1">{damage.sentence}</p>
      {restoreCommand && (
        <p className="mt-2">
          Stop Chronicle, then put the last backup back with <code className="rounded bg-red-100 px-1 py-0.5 text-xs dark:bg-red-900" data-testid="restore-command">{restoreCommand}</code>
        </p>
      )}
    </div>
  );
}

function Checks({ checks }: { checks: Output<'storage.status'>['checks'] }) {
  if (!checks.length) return <p className="text-sm text-slate-600 dark:text-slate-400">No integrity check has run on this file yet (a quick one runs soon after it opens, a full one every day).</p>;
  return (
    <ul className="space-y-1 text-sm" data-testid="storage-checks">
      {checks.map((c) => (
        <li key={c.kind}>
          <span className="font-medium">{c.kind === 'quick' ? 'Quick check' : 'Full check'}:</span>{' '}
          {c.ok ? <span className="text-emerald-700 dark:text-emerald-400">sound</span> : <span className="text-red-700 dark:text-red-300">{c.problems.length} problem{c.problems.length === 1 ? '' : 's'} ({c.problems[0]})</span>}
          <span className="text-slate-600 dark:text-slate-400"> · <RelativeTime iso={c.checkedAt} /> · {c.durationMs} ms</span>
        </li>
      ))}
    </ul>
  );
}

export function BackupsSection() {
  const qc = useQueryClient();
  const status = useApi('storage.status', {}, { refetchInterval: 30_000 });
  const [runId, setRunId] = useState<string | null>(null);
  const [fraction, setFraction] = useState(0);
  const [running, setRunning] = useState<'backup' | 'check' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    if (!runId) return;
    return subscribe('storage.progress', (p) => {
      if (p.runId === runId) setFraction(p.fraction);
    });
  }, [runId]);

  const backUp = async () => {
    const id = newRunId();
    setRunId(id);
    setFraction(0);
    setError(null);
    setDone(null);
    setRunning('backup');
    try {
      const r = await api('storage.backup', { runId: id });
      setDone(`Backed up to ${r.folder}${r.warnings.length ? ` — ${r.warnings.join(' ')}` : ''}`);
    } catch (e) {
      setError(e);
    } finally {
      setRunning(null);
      void qc.invalidateQueries({ queryKey: ['storage.status'] });
    }
  };
  const check = async () => {
    setError(null);
    setDone(null);
    setRunning('check');
    try {
      const r = await api('storage.check', { kind: 'full' });
      setDone(r.ok ? `The full check found the file sound (${r.durationMs} ms).` : `The full check found ${r.problems.length} problem(s).`);
    } catch (e) {
      setError(e);
    } finally {
      setRunning(null);
      void qc.invalidateQueries({ queryKey: ['storage.status'] });
    }
  };

  const s = status.data;
  return (
    <section aria-labelledby="backups-title" id="backups" className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <h2 id="backups-title" className="mb-2 flex items-center gap-2 text-sm font-semibold"><Archive className="size-4" aria-hidden="true" /> Backups and integrity</h2>
      {status.isPending ? (
        <Skeleton rows={3} />
      ) : status.error ? (
        <ErrorNotice error={status.error} />
      ) : (
        <div className="space-y-4">
          {s!.damage && <Damage damage={s!.damage} restoreCommand={s!.restoreCommand} />}
          {s!.backupsNote && <p className="text-sm text-slate-700 dark:text-slate-300" data-testid="backups-note">{s!.backupsNote}</p>}
          {s!.kind === 'file' && <Checks checks={s!.checks} />}
          {s!.kind === 'file' && !s!.canManage && <p className="text-xs text-slate-600 dark:text-slate-400">Owners and admins take backups and see the data keys.</p>}
          {s!.canManage && s!.keys.length > 0 && (
            <div>
              <h3 className="text-sm font-medium">Data keys</h3>
              <ul className="mt-1 space-y-1 text-sm" data-testid="data-keys">
                {s!.keys.map((k) => (
                  <li key={k.file}>
                    <span className="font-medium">{k.label.replace(/^The /, '')}:</span> {keyStateLabel[k.state]}
                    {k.fingerprint && <span className="text-slate-600 dark:text-slate-400"> · fingerprint <code className="text-xs">{k.fingerprint}</code></span>}
                    {k.sentence && <p className="text-red-700 dark:text-red-300">{k.sentence}</p>}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {s!.kind === 'file' && s!.canManage && (
            <div className="space-y-3">
              <p className="text-sm text-slate-600 dark:text-slate-400">
                A backup copies the workspace file while it stays in use, with its key files, into <code className="text-xs">{s!.backupsFolder}</code>. Without the key files a restored workspace could not open its webhook secrets or sign review bundles.
              </p>
              <div className="flex flex-wrap gap-2">
                <Button variant="primary" onClick={() => void backUp()} disabled={running !== null} data-track="settings.backup">Back up now</Button>
                <Button onClick={() => void check()} disabled={running !== null} data-track="settings.check">Run a full check</Button>
              </div>
              {running === 'backup' && <ProgressBar value={fraction * 100} label="Copying the workspace file" />}
              {running === 'check' && <p role="status" className="text-sm text-slate-600 dark:text-slate-400">Checking every page of the file…</p>}
              {done && <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">{done}</p>}
              {error ? <ErrorNotice error={error} title="That did not work" /> : null}
              {s!.backups.length === 0 ? (
                <p className="text-sm text-slate-600 dark:text-slate-400">No backup yet.</p>
              ) : (
                <table className="w-full text-left text-sm" data-testid="backups-table">
                  <caption className="sr-only">Backups, newest first</caption>
                  <thead className="text-xs text-slate-600 dark:text-slate-400">
                    <tr><th scope="col" className="py-1 font-medium">Taken</th><th scope="col" className="py-1 font-medium">Size</th><th scope="col" className="py-1 font-medium">Key files</th><th scope="col" className="py-1 font-medium">Folder</th></tr>
                  </thead>
                  <tbody>
                    {s!.backups.map((b) => (
                      <tr key={b.folder} className="border-t border-slate-200 dark:border-slate-800">
                        <td className="py-1"><RelativeTime iso={b.createdAt} /></td>
                        <td className="py-1">{bytes(b.bytes)}</td>
                        <td className="py-1">{b.keyFiles.length ? b.keyFiles.length : 'none'}</td>
                        <td className="max-w-64 truncate py-1"><code className="text-xs" title={b.folder}>{b.folder.split(/[\\/]/).pop()}</code></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {s!.restoreCommand && !s!.damage && (
                <p className="text-xs text-slate-600 dark:text-slate-400">To put the newest one back, stop Chronicle and run <code>{s!.restoreCommand}</code>.</p>
              )}
            </div>
          )}
        </div>
      )}
    </section>
  );
}
