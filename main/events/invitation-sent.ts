import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

/** An invitation was sent: nobody joins until the invitee accepts (invitation_accepted). */
export const invitationSent: EventType<'invitation_sent'> = {
  table: 'invitation_sent',
  webhookType: 'invitation.sent',
  icon: 'mail-plus',
  label: 'Invitation sent',
  access: true,
  refs: { creator_id: 'users', invitee_id: 'users' },
  describe: (row, n) => `${n.user(row.creator_id)} invited ${n.user(row.invitee_id)} to join as ${row.role}`,
  publicJson: (row) => ({
    id: row.id,
    invitation_id: row.invitation_id,
    invitee_id: row.invitee_id,
    role: row.role,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000111',
    invitation_id: '019a0000-0000-7000-8000-000000000112',
    invitee_id: '019a0000-0000-7000-8000-000000000043',
    role: 'member',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:05:00.000Z',
  },
};
