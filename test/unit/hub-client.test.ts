// The hub client's push stream against real HTTP servers on 127.0.0.1: frames relayed as they arrive, a stream
// that goes silent (a cut network keeps no promise to close) dropped and the hub marked unreachable, and the
// token sent in the Authorization header only.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HubClient, hubOrigin } from '../../main/hub-client/client.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
});

function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));
}

describe('HubClient', () => {
  it('accepts https:// anywhere and http:// only on loopback', () => {
    expect(hubOrigin('https://hub.example.com:8443/some/path?x=1')).toBe('https://hub.example.com:8443');
    expect(hubOrigin('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000');
    expect(() => hubOrigin('http://hub.example.com')).toThrow(/must be reached over https:\/\//);
    expect(() => hubOrigin('hub.example.com')).toThrow(/is not a URL/);
  });

  it('relays frames with the token in the header, and drops a stream that goes silent', async () => {
    const seen: { authorization?: string; url?: string }[] = [];
    let connections = 0;
    const url = await listen((req, res) => {
      seen.push({ authorization: req.headers.authorization, url: req.url });
      connections++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': connected\n\n');
      res.write('event: activity.created\ndata: {"id":"a1"}\n\n');
      // …and then nothing, not even a ping, and no close.
    });
    const client = new HubClient({ url, token: 'tok-0123456789', streamSilenceMs: 400, log: () => {} });
    const got: [string, unknown][] = [];
    const states: boolean[] = [];
    client.onReachability((s) => states.push(s.reachable));
    const stop = client.stream('tab0000000001', (topic, payload) => got.push([topic, payload]));
    await expect.poll(() => got.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    expect(got[0]).toEqual(['activity.created', { id: 'a1' }]);
    await expect.poll(() => client.reachability.problem ?? '', { timeout: 5_000 }).toContain('stopped answering (no update or ping for 0.4 s)');
    expect(states).toContain(false);
    // It connects again by itself (and is reachable again once the server answers).
    await expect.poll(() => connections, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    stop();
    await client.close();
    expect(seen.every((s) => s.authorization === 'Bearer tok-0123456789' && s.url === '/api/events')).toBe(true);
  });
});
