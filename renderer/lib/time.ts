// Times as a person reads them: in their own zone, with the zone named. Inputs of type datetime-local hold local
// wall-clock time, so they are filled and read in the same zone.

/** The person's time zone, e.g. `Europe/Lisbon` (`UTC` where the platform has none). */
export const timeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** "31 Mar 2026, 14:05:09 CEST" in the person's zone. */
export function formatLocal(iso: string | number | Date, opts: { seconds?: boolean } = {}): string {
  const d = new Date(iso);
  return new Intl.DateTimeFormat(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    ...(opts.seconds === false ? {} : { second: '2-digit' }), timeZoneName: 'short',
  }).format(d);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A moment as the value of a datetime-local input, in the person's zone (`2026-03-31T14:05`). */
export function toLocalInput(t: string | number | Date): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (the person's zone) as an ISO time, or null when empty or invalid. */
export function fromLocalInput(v: string, endOfMinute = false): string | null {
  if (!v) return null;
  const d = new Date(`${v}${endOfMinute ? ':59.999' : ''}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * A sentence written by the host with ISO times in it ("Paused until 2026-03-31T12:05:09.000Z: …"), with each time
 * in the person's zone (named).
 */
export function localizeTimes(text: string): string {
  return text.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/g, (iso) => formatLocal(iso));
}
