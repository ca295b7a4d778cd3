// The canonical form is a specification: a verifier written from db/audit-canonical.ts's comment alone, in
// another language (Python's sqlite3 + hashlib, nothing of Chronicle's code), recomputes the same chain: on the
// workspace file itself, and on a review bundle exported from either store (a hub's chain, hashed by the hub's
// processes, is checked through its bundle: the offline format is the same).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawRun } from '../../db/sql.ts';
import { caller, onSqlite, openTestApp, tempDir } from '../support/workspace.ts';

const python = spawnSync('python3', ['--version']).status === 0;

// Written from the documented form: header, prev hash, table, canonical row; column lists copied from the spec.
const verifier = String.raw`
import hashlib, json, sqlite3, sys
COLUMNS = {
  'card_created': ['account_id', 'board_id', 'card_id', 'column_id', 'created_at', 'creator_id', 'id', 'title'],
  'card_moved': ['account_id', 'card_id', 'created_at', 'creator_id', 'from_column_id', 'from_position', 'id', 'to_column_id', 'to_position'],
  'card_updated': ['account_id', 'card_id', 'changes', 'created_at', 'creator_id', 'id'],
  'comment_added': ['account_id', 'card_id', 'comment_id', 'created_at', 'creator_id', 'id'],
  'member_invited': ['account_id', 'created_at', 'creator_id', 'id', 'invitee_id', 'membership_id', 'role'],
  'project_archived': ['account_id', 'created_at', 'creator_id', 'id', 'project_id', 'reason'],
  'member_role_changed': ['account_id', 'created_at', 'creator_id', 'from_role', 'id', 'member_id', 'membership_id', 'to_role'],
  'invitation_sent': ['account_id', 'created_at', 'creator_id', 'id', 'invitation_id', 'invitee_id', 'role'],
  'invitation_accepted': ['account_id', 'created_at', 'creator_id', 'id', 'invitation_id', 'membership_id', 'role'],
  'invitation_declined': ['account_id', 'created_at', 'creator_id', 'id', 'invitation_id'],
  'invitation_revoked': ['account_id', 'created_at', 'creator_id', 'id', 'invitation_id', 'invitee_id'],
  'token_created': ['account_id', 'created_at', 'creator_id', 'id', 'person_id', 'source', 'token_id'],
  'token_revoked': ['account_id', 'created_at', 'creator_id', 'id', 'person_id', 'token_id'],
  'webhook_endpoint_created': ['account_id', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin'],
  'webhook_endpoint_changed': ['account_id', 'changes', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin'],
  'webhook_endpoint_disabled': ['account_id', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin', 'reason'],
  'webhook_endpoint_deleted': ['account_id', 'cancelled_deliveries', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin'],
  'webhook_secret_revealed': ['account_id', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin'],
  'webhook_secret_rotated': ['account_id', 'created_at', 'creator_id', 'endpoint_id', 'id', 'origin', 'previous_expires_at'],
  'session_switched': ['account_id', 'created_at', 'creator_id', 'from_user_id', 'id', 'to_user_id'],
}
def value(v):
    if v is None: return 'null'
    if isinstance(v, int): return str(v)
    return json.dumps(v, ensure_ascii=False)
db = sqlite3.connect(sys.argv[1])
prev, n = '0' * 64, 0
for seq, table, event_id, prev_hash, stored in db.execute(
        'SELECT seq, event_table, event_id, prev_hash, hash FROM audit_chain WHERE account_id = ? ORDER BY seq', (sys.argv[2],)):
    cols = COLUMNS[table]
    row = db.execute('SELECT %s FROM %s WHERE id = ?' % (', '.join(cols), table), (event_id,)).fetchone()
    canonical = '{' + ','.join('"%s":%s' % (c, value(v)) for c, v in zip(cols, row)) + '}'
    digest = hashlib.sha256(('chronicle.audit.v1\n%s\n%s\n%s' % (prev, table, canonical)).encode('utf-8')).hexdigest()
    if prev_hash != prev or digest != stored or seq != n + 1:
        print('BROKEN', seq); sys.exit(1)
    prev, n = stored, n + 1
print(n, prev)
`;

describe('an outside verifier', () => {
  it.skipIf(!python)('written in Python from the documented canonical form agrees with Chronicle, tricky text included', async () => {
    const app = await openTestApp({ events: 400 });
    try {
      const api = await caller(app);
      const accountId = api.slot.session!.accountId;
      const board = (await api.call('boards.list', {})).items.find((b) => !b.archived)!;
      const full = await api.call('boards.get', { boardId: board.id });
      const card = await api.call('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Quotes " and \\ backslash' });
      await api.call('cards.update', { cardId: card.id, description: 'Line one\nline two\ttab \u0001 ctrl — café 🚀 日本語 </script>' });
      await api.call('comments.add', { cardId: card.id, body: 'Emoji 👍🏽 and "quotes"' });
      const head = await api.call('audit.verify', {});
      expect(head.ok).toBe(true);
      const script = path.join(tempDir(), 'verify.py');
      fs.writeFileSync(script, verifier);
      const python3 = (file: string) => spawnSync('python3', [script, file, accountId], { encoding: 'utf8' });
      // The workspace file itself (a hub has no file: its chain is checked through the bundle below).
      if (onSqlite) {
        const out = python3(app.location);
        expect(out.status, out.stderr + out.stdout).toBe(0);
        expect(out.stdout.trim()).toBe(`${head.checked} ${head.head!.hash}`);
      }
      const bundle = (await api.call('audit.export', {})).file;
      const fromBundle = python3(bundle);
      expect(fromBundle.status, fromBundle.stderr + fromBundle.stdout).toBe(0);
      expect(fromBundle.stdout.trim()).toBe(`${head.checked} ${head.head!.hash}`);
      // And it notices an edit as well.
      await rawRun(app.store, "UPDATE card_updated SET changes = replace(changes, 'café', 'cafe') WHERE card_id = ?", [card.id]);
      if (onSqlite) {
        const bad = python3(app.location);
        expect(bad.status).toBe(1);
        expect(bad.stdout).toMatch(/^BROKEN \d+/);
      }
      const badBundle = python3((await api.call('audit.export', {})).file);
      expect(badBundle.status).toBe(1);
      expect(badBundle.stdout).toMatch(/^BROKEN \d+/);
    } finally {
      await app.close();
    }
  });
});
