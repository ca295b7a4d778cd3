import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

/**
 * In a demo workspace, the desk started acting as another of the demo's people. Recorded so the trail says who
 * really did what; not fanned out to webhooks (a receiver has no use for who a demo pretends to be).
 */
export const sessionSwitched: EventType<'session_switched'> = {
  table: 'session_switched',
  webhookType: 'session.switched',
  icon: 'repeat',
  label: 'Acted as someone else (demo)',
  access: true,
  fanOut: false,
  refs: { creator_id: 'users', from_user_id: 'users', to_user_id: 'users' },
  describe: (row, n) => `${n.user(row.from_user_id)} switched to acting as ${n.user(row.to_user_id)} (demo)`,
  publicJson: (row) => ({
    id: row.id,
    from_user_id: row.from_user_id,
    to_user_id: row.to_user_id,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000231',
    from_user_id: '019a0000-0000-7000-8000-000000000005',
    to_user_id: '019a0000-0000-7000-8000-000000000043',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T11:00:00.000Z',
  },
};
