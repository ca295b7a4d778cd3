import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

/** The invitee accepted (the event's creator): the membership begins here. */
export const invitationAccepted: EventType<'invitation_accepted'> = {
  table: 'invitation_accepted',
  webhookType: 'invitation.accepted',
  icon: 'user-check',
  label: 'Invitation accepted',
  access: true,
  refs: { creator_id: 'users' },
  describe: (row, n) => `${n.user(row.creator_id)} accepted the invitation and joined as ${row.role}`,
  publicJson: (row) => ({
    id: row.id,
    invitation_id: row.invitation_id,
    membership_id: row.membership_id,
    role: row.role,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000121',
    invitation_id: '019a0000-0000-7000-8000-000000000112',
    membership_id: '019a0000-0000-7000-8000-000000000042',
    role: 'member',
    creator_id: '019a0000-0000-7000-8000-000000000043',
    created_at: '2026-01-01T10:10:00.000Z',
  },
};
