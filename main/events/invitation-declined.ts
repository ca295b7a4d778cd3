import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

/** The invitee (the event's creator) declined. */
export const invitationDeclined: EventType<'invitation_declined'> = {
  table: 'invitation_declined',
  webhookType: 'invitation.declined',
  icon: 'user-x',
  label: 'Invitation declined',
  access: true,
  refs: { creator_id: 'users' },
  describe: (row, n) => `${n.user(row.creator_id)} declined the invitation`,
  publicJson: (row) => ({ id: row.id, invitation_id: row.invitation_id, creator_id: row.creator_id, created_at: toIso(row.created_at) }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000131',
    invitation_id: '019a0000-0000-7000-8000-000000000112',
    creator_id: '019a0000-0000-7000-8000-000000000043',
    created_at: '2026-01-01T10:10:00.000Z',
  },
};
