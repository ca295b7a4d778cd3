// `npm run serve` keeps its workspace and keys out of the repository, and git ignores any key file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { expect, it } from 'vitest';

it('npm run serve writes its workspace (and so its key files) into the ignored .data/ folder', () => {
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
  expect(pkg.scripts.serve).toMatch(/ serve --db \.\/\.data\/chronicle\.db /);
});

it('git ignores the data folder, key files and database files wherever they are', () => {
  const paths = ['.data/chronicle.db', '.data/webhook-secrets.key', 'webhook-secrets.key', 'audit-signing.key', 'some/dir/x.key', 'chronicle.db', 'chronicle.db-wal'];
  const out = execFileSync('git', ['check-ignore', '--no-index', ...paths], { encoding: 'utf8' });
  expect(out.trim().split('\n')).toEqual(paths);
});
