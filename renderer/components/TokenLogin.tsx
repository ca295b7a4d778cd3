// The browser's sign-in: a page opened without a token (a team hub's address, or a local host's address without
// its ?token=…) asks for one. The token is checked with one call, kept for this tab only (sessionStorage) and
// never put in the address bar; a refused one says so and is not kept.
import { KeyRound } from 'lucide-react';
import { useEffect, useId, useState } from 'react';
import { api, ContractError, tabToken } from '../lib/client.ts';
import { Button, inputClass, setDocumentTitle } from './ui.tsx';

export function TokenLogin({ onSignedIn, refused = false }: { onSignedIn: () => void; refused?: boolean }) {
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(
    refused ? 'This tab’s token is no longer accepted (it was revoked, or the host was restarted with a new one). Paste a current token.' : null,
  );
  const inputId = useId();
  const hintId = useId();
  useEffect(() => setDocumentTitle('Sign in'), []);
  const submit = async () => {
    const token = value.trim();
    if (!token) return setProblem('Paste your token first.');
    setBusy(true);
    setProblem(null);
    tabToken.set(token);
    try {
      await api('workspace.status', {});
      setValue('');
      onSignedIn();
    } catch (err) {
      tabToken.set('');
      setProblem(
        err instanceof ContractError && err.code === 'unauthorized'
          ? 'That token was not accepted. Check that you pasted all of it; a revoked token no longer works (ask an owner or admin for a new one).'
          : `Chronicle could not check the token: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="flex h-full items-center justify-center p-6">
      <form
        className="w-full max-w-md space-y-5 rounded-xl border border-slate-200 p-8 shadow-sm dark:border-slate-800"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="space-y-2">
          <h1 className="flex items-center gap-2 text-lg font-semibold">
            <KeyRound className="size-5 text-indigo-700 dark:text-indigo-300" aria-hidden /> Sign in to Chronicle
          </h1>
          <p id={hintId} className="text-sm text-slate-600 dark:text-slate-400">
            Paste your personal access token. It is kept for this tab only, sent only in the Authorization header, and
            forgotten when the tab closes.
          </p>
        </div>
        <div className="space-y-1">
          <label htmlFor={inputId} className="text-sm font-medium">Access token</label>
          <input
            id={inputId}
            type="password"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={hintId}
            aria-invalid={problem ? true : undefined}
            className={`${inputClass} w-full font-mono`}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </div>
        {problem && (
          <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
            {problem}
          </p>
        )}
        <Button type="submit" variant="primary" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</Button>
      </form>
    </main>
  );
}
