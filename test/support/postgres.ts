// A real, throwaway PostgreSQL server for tests and benchmarks: a new cluster in a temporary folder, on a free
// port of 127.0.0.1, removed when stopped. Debian's server binaries (the `postgresql` package; .ci/run installs
// it when missing). PostgreSQL refuses to run as root, so under root the cluster belongs to the `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** postgres://chronicle:PASSWORD@127.0.0.1:PORT/DB */
  url(database?: string): string;
  port: number;
  password: string;
  /** A new empty database; resolves to its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): void;
}

export function postgresBinDir(): string | null {
  if (process.env.PG_BIN && fs.existsSync(path.join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Run a server binary as the cluster's owner (the `postgres` user under root). */
function asOwner(bin: string, args: string[], opts: { allowFail?: boolean } = {}): string {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${path.basename(bin)} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export interface ServerOptions {
  /** fsync and synchronous_commit on (what a hub runs); off by default: a test cluster's own durability is not under test. */
  durable?: boolean;
}

export async function startPostgresServer(opts: ServerOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries were not found (install Debian’s `postgresql` package, or set PG_BIN).');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-pg-'));
  const data = path.join(dir, 'data');
  const password = crypto.randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pw');
  fs.writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  asOwner(path.join(bin, 'initdb'), ['-D', data, '-U', 'chronicle', `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const port = await freePort();
  const options = [
    `-p ${port}`, `-k ${dir}`, "-c listen_addresses='127.0.0.1'", '-c max_connections=300', '-c shared_buffers=128MB',
    // A test cluster: durability of the server itself is not under test (Chronicle's own commits are).
    ...(opts.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ');
  asOwner(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-o', options, '-w', '-t', '30', 'start']);
  const url = (database = 'postgres') => `postgres://chronicle:${password}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    url,
    port,
    password,
    async createDatabase(name = `t_${crypto.randomBytes(6).toString('hex')}`) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      asOwner(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { allowFail: true });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
