// The contract, forwarded: what a local window asks (through the browser host or Electron IPC) goes to the hub
// as it is, and the hub's pushes come back. Only `connection.get` is answered here: which hub, whether it can be
// reached, and the person and account the hub said this token acts as (its `session.get` answer).
import type { z } from 'zod';
import type { Connection } from '../../preload/contract/connection.ts';
import type { HostBackend } from '../host/server.ts';
import type { RpcResult } from '../rpc.ts';
import type { HubClient } from './client.ts';

type ConnectionState = z.output<typeof Connection>;
type Who = { user: { name: string; email: string }; account: { id: string; name: string } };

export interface HubBackend extends HostBackend {
  connection(sessionId: string | undefined): ConnectionState;
}

export function hubBackend(client: HubClient): HubBackend {
  const who = new Map<string, Who>();
  const keyOf = (sessionId: string | undefined) => sessionId ?? 'default';

  const remember = (sessionId: string | undefined, answer: RpcResult) => {
    if (!answer.ok) return;
    const r = answer.result as { user?: { name: string; email: string }; account?: { id: string; name: string } } | null;
    if (r?.user && r.account) who.set(keyOf(sessionId), { user: { name: r.user.name, email: r.user.email }, account: { id: r.account.id, name: r.account.name } });
  };

  const connection = (sessionId: string | undefined): ConnectionState => {
    const r = client.reachability;
    const w = who.get(keyOf(sessionId)) ?? who.get('default') ?? null;
    return {
      hub: { url: client.origin, reachable: r.reachable, since: r.since, ...(r.problem ? { problem: r.problem } : {}), user: w?.user ?? null, account: w?.account ?? null, offline: null },
    };
  };

  return {
    connection,
    async invoke(sessionId, method, input) {
      if (method === 'connection.get') {
        if (!who.has(keyOf(sessionId))) remember(sessionId, await client.call('session.get', {}, sessionId));
        return { ok: true, result: connection(sessionId) };
      }
      if (method === 'connection.downloadOffline' || method === 'connection.openOffline') {
        return { ok: false, error: { code: 'invalid_input', message: 'Offline copies are kept by the desktop app (Settings → Team hub → Download for offline review).' } };
      }
      if (method === 'connection.connect' || method === 'connection.disconnect') {
        return { ok: false, error: { code: 'invalid_input', message: `This console was started for the hub at ${client.origin} (\`chronicle serve --hub\`): start it again to use another hub or none.` } };
      }
      const answer = await client.call(method, input, sessionId);
      // Every answer naming the session's person and account keeps "which person" current (a switch included).
      if (method.startsWith('session.') || method === 'workspace.create') remember(sessionId, answer);
      return answer;
    },
    openStream(sessionId, send) {
      const stopStream = client.stream(sessionId, send);
      const stopWatching = client.onReachability(() => send('connection.changed', connection(sessionId)));
      return () => {
        stopStream();
        stopWatching();
      };
    },
    async close() {
      await client.close();
    },
  };
}
