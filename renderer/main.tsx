import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import './app.css';
import { CurrentPage, Layout } from './components/Layout.tsx';
import { Button, ErrorNotice, inputClass, setDocumentTitle, Skeleton } from './components/ui.tsx';
import { TokenLogin } from './components/TokenLogin.tsx';
import { api, tabToken } from './lib/client.ts';
import { queryClient, useApi } from './lib/queries.ts';
import { RouterProvider } from './lib/router.tsx';

/** First run: the workspace file has no account yet. Offer the demo, or start empty with your own name. */
function Welcome() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState({ accountName: '', userName: '', email: '' });
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      await queryClient.invalidateQueries();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => setDocumentTitle('Welcome'), []);
  return (
    <main className="flex h-full items-center justify-center p-6">
      <div className="w-full max-w-lg space-y-6 rounded-xl border border-slate-200 p-8 shadow-sm dark:border-slate-800">
        <div className="space-y-3 text-center">
          <h1 className="text-lg font-semibold">Welcome to Chronicle</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            This workspace is empty. Load the demo workspace (two accounts, boards and three months of activity) to look around, or
            start your own.
          </p>
        </div>
        <div className="flex justify-center">
          <Button variant="primary" disabled={busy} onClick={() => run(() => api('workspace.seedDemo', {}))}>
            {busy ? 'Creating…' : 'Load the demo workspace'}
          </Button>
        </div>
        <form
          className="space-y-2 border-t border-slate-200 pt-4 dark:border-slate-800"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => api('workspace.create', form));
          }}
        >
          <h2 className="text-sm font-medium">Or start an empty workspace</h2>
          <div className="grid grid-cols-1 gap-2 sm:grid-cols-3">
            <input aria-label="Account name" placeholder="Account name" className={inputClass} value={form.accountName} onChange={(e) => setForm({ ...form, accountName: e.target.value })} />
            <input aria-label="Your name" placeholder="Your name" className={inputClass} value={form.userName} onChange={(e) => setForm({ ...form, userName: e.target.value })} />
            <input aria-label="Your e-mail" placeholder="you@example.com" type="email" className={inputClass} value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
          </div>
          <Button type="submit" disabled={busy}>Create workspace</Button>
        </form>
        {error ? <ErrorNotice error={error} /> : null}
      </div>
    </main>
  );
}

/** A browser tab without a token (or whose token was refused) signs in first. */
function Root() {
  const [signedIn, setSignedIn] = useState(() => !tabToken.needed());
  useEffect(
    () =>
      tabToken.onRefused(() => {
        setSignedIn(false);
        queryClient.clear(); // nothing read with the refused token stays on screen
      }),
    [],
  );
  if (!signedIn) {
    return (
      <TokenLogin
        refused={tabToken.wasRefused()}
        onSignedIn={() => setSignedIn(true)}
      />
    );
  }
  return <Console />;
}

function Console() {
  const status = useApi('workspace.status', {});
  if (status.isPending) return <Skeleton className="p-6" />;
  if (status.error) {
    const title = (status.error as { code?: string }).code === 'unauthorized' ? 'This page needs its access token' : 'Chronicle could not open the workspace';
    return <div className="p-6"><ErrorNotice error={status.error} title={title} /></div>;
  }
  if (status.data.empty) return <Welcome />;
  return (
    <Layout>
      <CurrentPage />
    </Layout>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider>
        <Root />
      </RouterProvider>
    </QueryClientProvider>
  </StrictMode>,
);
