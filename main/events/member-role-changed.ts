import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

export const memberRoleChanged: EventType<'member_role_changed'> = {
  table: 'member_role_changed',
  webhookType: 'member.role_changed',
  icon: 'user-cog',
  label: 'Role changed',
  access: true,
  refs: { creator_id: 'users', member_id: 'users' },
  describe: (row, n) =>
    row.from_role === null
      ? `${n.user(row.member_id)} was added as ${row.to_role} from the server's shell`
      : `${n.user(row.creator_id)} changed ${n.user(row.member_id)}'s role from ${row.from_role} to ${row.to_role}`,
  publicJson: (row) => ({
    id: row.id,
    membership_id: row.membership_id,
    member_id: row.member_id,
    from_role: row.from_role,
    to_role: row.to_role,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000101',
    membership_id: '019a0000-0000-7000-8000-000000000042',
    member_id: '019a0000-0000-7000-8000-000000000043',
    from_role: 'member',
    to_role: 'admin',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:00:00.000Z',
  },
};
