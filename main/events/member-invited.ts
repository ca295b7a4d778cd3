import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

export const memberInvited: EventType<'member_invited'> = {
  table: 'member_invited',
  webhookType: 'member.invited',
  icon: 'user-plus',
  label: 'Member invited',
  refs: { creator_id: 'users', invitee_id: 'users' },
  describe: (row, n) => `${n.user(row.creator_id)} invited ${n.user(row.invitee_id)} as ${row.role}`,
  publicJson: (row) => ({
    id: row.id,
    membership_id: row.membership_id,
    invitee_id: row.invitee_id,
    role: row.role,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000041',
    membership_id: '019a0000-0000-7000-8000-000000000042',
    invitee_id: '019a0000-0000-7000-8000-000000000043',
    role: 'member',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T09:20:00.000Z',
  },
};
