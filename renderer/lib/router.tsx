// A small hash router: `#/path?query`. Filters live in the query so a view can be shared and reloaded.
// (react-router 8 needs Node 22; a hash router also works unchanged under Electron's file:// URL.)
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export interface Location {
  path: string;
  search: URLSearchParams;
}

function readLocation(): Location {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  return { path: path || '/', search: new URLSearchParams(query) };
}

const RouterContext = createContext<Location>(readLocation());

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(readLocation);
  useEffect(() => {
    const onChange = () => setLocation(readLocation());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return <RouterContext.Provider value={location}>{children}</RouterContext.Provider>;
}

export function useLocation(): Location {
  return useContext(RouterContext);
}

export function href(path: string, params?: Record<string, string | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== null && v !== '') search.set(k, v);
  const q = search.toString();
  return `#${path}${q ? `?${q}` : ''}`;
}

export function navigate(path: string, params?: Record<string, string | undefined | null>, opts: { replace?: boolean } = {}) {
  const target = href(path, params);
  if (opts.replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** Match `/boards/:boardId` against a path; returns the params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

/** Query parameters as state: reading them from the URL, writing them back with replaceState. */
export function useSearchParams(): [URLSearchParams, (next: Record<string, string | undefined | null>) => void] {
  const location = useLocation();
  const set = useCallback(
    (next: Record<string, string | undefined | null>) => {
      const merged: Record<string, string | undefined | null> = Object.fromEntries(location.search.entries());
      Object.assign(merged, next);
      navigate(location.path, merged, { replace: true });
    },
    [location],
  );
  return useMemo(() => [location.search, set], [location.search, set]);
}
