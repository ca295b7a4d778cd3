import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

export const invitationRevoked: EventType<'invitation_revoked'> = {
  table: 'invitation_revoked',
  webhookType: 'invitation.revoked',
  icon: 'mail-x',
  label: 'Invitation revoked',
  access: true,
  refs: { creator_id: 'users', invitee_id: 'users' },
  describe: (row, n) => `${n.user(row.creator_id)} revoked the invitation of ${n.user(row.invitee_id)}`,
  publicJson: (row) => ({
    id: row.id,
    invitation_id: row.invitation_id,
    invitee_id: row.invitee_id,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000141',
    invitation_id: '019a0000-0000-7000-8000-000000000112',
    invitee_id: '019a0000-0000-7000-8000-000000000043',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:15:00.000Z',
  },
};
