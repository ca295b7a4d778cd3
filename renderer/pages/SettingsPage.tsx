// Settings: where the workspace lives, its backups and integrity, tracking on/off and its retention, OS notifications
// for this person.
import { useQueryClient } from '@tanstack/react-query';
import { Copy, Database } from 'lucide-react';
import { useEffect, useState, type ReactNode } from 'react';
import type { Output } from '../../preload/contract.ts';
import { TeamHubSettings } from '../components/TeamHubSettings.tsx';
import { Button, ErrorNotice, inputClass, PageHeader, Skeleton } from '../components/ui.tsx';
import { api, isElectron } from '../lib/client.ts';
import { useApi, useInvalidateOn } from '../lib/queries.ts';
import { BackupsSection } from './settings/BackupsSection.tsx';

function Toggle({ id, checked, disabled, onChange, label }: { id: string; checked: boolean; disabled?: boolean; onChange: (v: boolean) => void; label: string }) {
  return (
    <button
      id={id}
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      disabled={disabled}
      data-track={`settings.${id}`}
      data-track-meta-on={String(!checked)}
      onClick={() => onChange(!checked)}
      className={`relative inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors disabled:cursor-not-allowed disabled:opacity-50 ${checked ? 'bg-indigo-600' : 'bg-slate-300 dark:bg-slate-700'}`}
    >
      <span className={`inline-block size-5 rounded-full bg-white shadow transition-transform ${checked ? 'translate-x-5' : 'translate-x-0.5'}`} />
    </button>
  );
}

function Row({ title, description, children }: { title: string; description: ReactNode; children: ReactNode }) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-4 border-t border-slate-200 py-4 first:border-t-0 dark:border-slate-800">
      <div className="max-w-xl">
        <h3 className="text-sm font-medium">{title}</h3>
        <p className="text-sm text-slate-600 dark:text-slate-400">{description}</p>
      </div>
      <div className="flex items-center gap-2">{children}</div>
    </div>
  );
}

/** How the Settings page names where the workspace lives. */
const storePlace: Record<Output<'workspace.status'>['kind'], { title: string; description: string; copyLabel: string; note: ReactNode }> = {
  file: {
    title: 'Workspace file',
    description: 'This workspace file, its backups and integrity, tracking and notifications.',
    copyLabel: 'Copy the file location',
    note: <>Everything in this console (events, reports, tracking, notifications) is stored in this one SQLite file. Back it up under Backups below (or with <code>chronicle backup</code>), with its key files.</>,
  },
  hub: {
    title: 'Team hub database',
    description: 'This team hub’s database, its backups and data keys, tracking and notifications.',
    copyLabel: 'Copy the database address',
    note: <>Everything in this console (events, reports, tracking, notifications) is stored in this PostgreSQL database, which every <code>chronicle serve</code> and <code>chronicle dispatch</code> of the hub shares. Its password is never shown here.</>,
  },
  bundle: {
    title: 'Review bundle',
    description: 'This review bundle, opened read-only: its integrity, tracking and notifications.',
    copyLabel: 'Copy the bundle’s location',
    note: <>A signed review bundle of one account (its timeline, boards, audit trail and reports as they were at the export), opened read-only: nothing here can be changed, and it holds no webhooks or secrets.</>,
  },
};

const unknownPlace = { title: 'Workspace', description: 'Where this workspace lives, its backups and integrity, tracking and notifications.', copyLabel: 'Copy the location', note: null };

export function SettingsPage(_props: { params: Record<string, string> }) {
  const qc = useQueryClient();
  const status = useApi('workspace.status', {});
  const settings = useApi('settings.get', {});
  useInvalidateOn('settings.changed', ['settings.get']);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [days, setDays] = useState('');
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (settings.data) setDays(String(settings.data.retentionDays));
  }, [settings.data?.retentionDays]); // eslint-disable-line react-hooks/exhaustive-deps

  // Account-wide settings (tracking, retention) are an admin's method; the person's own preferences are anyone's.
  const update = async (input: { trackingEnabled?: boolean; retentionDays?: number; osNotifications?: boolean }, what: string) => {
    setError(null);
    setSaved(null);
    try {
      const { osNotifications, ...account } = input;
      const next = osNotifications !== undefined ? await api('settings.update', { osNotifications }) : await api('settings.updateAccount', account);
      qc.setQueryData(['settings.get', {}], next);
      setSaved(what);
    } catch (e) {
      setError(e);
    }
  };
  const s = settings.data;
  const readOnly = status.data?.readOnly ?? false;
  const canEdit = (s?.canEditAccount ?? false) && !readOnly;
  // Until the status arrives, no store is named (a hub must not flash as a file).
  const place = status.data ? storePlace[status.data.kind] : unknownPlace;
  const daysValid = /^\d+$/.test(days) && Number(days) >= 1 && Number(days) <= 3650;

  return (
    <div>
      <PageHeader title="Settings" description={place.description} />
      <div className="max-w-3xl space-y-6 p-6">
        <section aria-labelledby="ws-title" className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
          <h2 id="ws-title" className="mb-2 flex items-center gap-2 text-sm font-semibold"><Database className="size-4" aria-hidden="true" /> {place.title}</h2>
          {status.isPending ? (
            <Skeleton rows={1} />
          ) : status.error ? (
            <ErrorNotice error={status.error} />
          ) : (
            <div className="flex flex-wrap items-center gap-2">
              <code className="min-w-0 flex-1 truncate rounded bg-slate-100 px-2 py-1.5 text-xs dark:bg-slate-800" title={status.data.dbFile} data-testid="db-file">
                {status.data.dbFile}
              </code>
              <Button
                aria-label={place.copyLabel}
                data-track="settings.copy-db-path"
                onClick={async () => {
                  await navigator.clipboard?.writeText(status.data.dbFile).catch(() => {});
                  setCopied(true);
                  setTimeout(() => setCopied(false), 1500);
                }}
              >
                <Copy className="size-3.5" aria-hidden="true" /> {copied ? 'Copied' : 'Copy'}
              </Button>
              {status.data.readOnly && <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs text-amber-900 dark:bg-amber-900 dark:text-amber-100">Read-only</span>}
            </div>
          )}
          <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">{place.note}</p>
        </section>

        <TeamHubSettings />

        <BackupsSection />

        <section aria-labelledby="tracking-title" className="rounded-lg border border-slate-200 px-4 py-2 dark:border-slate-800">
          <h2 id="tracking-title" className="pt-2 text-sm font-semibold">Tracking and notifications</h2>
          {settings.isPending ? (
            <Skeleton rows={3} />
          ) : settings.error ? (
            <ErrorNotice error={settings.error} />
          ) : (
            <>
              <Row
                title="Record usage tracking"
                description={
                  <>
                    Page views and clicks on tracked buttons in this console, for everyone in the account (no typed text, no secrets).
                    {!canEdit && ' Only owners and admins change this.'}
                  </>
                }
              >
                <Toggle id="tracking" label="Record usage tracking" checked={s!.trackingEnabled} disabled={!canEdit} onChange={(v) => update({ trackingEnabled: v }, v ? 'Tracking is on.' : 'Tracking is off.')} />
              </Row>
              <Row title="Keep tracking events for" description="Older events are deleted by an hourly background job.">
                <form
                  className="flex items-center gap-2"
                  data-track="settings.retention"
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (daysValid) void update({ retentionDays: Number(days) }, `Tracking events are kept for ${days} days.`);
                  }}
                >
                  <label htmlFor="retention" className="sr-only">Retention in days</label>
                  <input
                    id="retention"
                    type="number"
                    min={1}
                    max={3650}
                    className={`${inputClass} w-24`}
                    value={days}
                    disabled={!canEdit}
                    aria-invalid={!daysValid}
                    aria-describedby="retention-help"
                    onChange={(e) => setDays(e.target.value)}
                  />
                  <span id="retention-help" className="text-sm text-slate-600 dark:text-slate-400">days</span>
                  <Button type="submit" disabled={!canEdit || !daysValid || Number(days) === s!.retentionDays}>Save</Button>
                </form>
              </Row>
              <Row
                title="Desktop notifications"
                description={`Show a system notification when something lands in your inbox${isElectron ? '' : ' (in the desktop app; this browser session shows the inbox only)'}. This is your own setting.`}
              >
                <Toggle id="os-notifications" label="Desktop notifications" checked={s!.osNotifications} disabled={readOnly} onChange={(v) => update({ osNotifications: v }, v ? 'Desktop notifications are on.' : 'Desktop notifications are off.')} />
              </Row>
            </>
          )}
          {readOnly && s && <p className="pb-2 text-xs text-slate-600 dark:text-slate-400">This review bundle is read-only: its settings are shown as they were exported and cannot be changed.</p>}
          {!canEdit && !readOnly && s && <p className="pb-2 text-xs text-slate-600 dark:text-slate-400">You are a member of this account; account-wide settings are shown read-only.</p>}
          {days && !daysValid && <p className="pb-2 text-xs text-red-700 dark:text-red-300">Enter a number of days between 1 and 3650.</p>}
        </section>
        {error ? <ErrorNotice error={error} title="The setting was not saved" /> : null}
        {saved && <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">{saved}</p>}
      </div>
    </div>
  );
}
