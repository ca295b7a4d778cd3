// Which events notify someone: the job is enqueued in the event's transaction (durable), the notification rows are
// written later by the job (main/notifications/jobs.ts).
import type { FollowUp } from '../domain/hooks.ts';

export const notificationFollowUps: FollowUp[] = [
  (e) => (e.table === 'comment_added' ? { queue: 'notifications', kind: 'notifications.comment', args: { eventId: e.row.id } } : null),
  (e) => (e.table === 'member_invited' ? { queue: 'notifications', kind: 'notifications.invitation', args: { eventId: e.row.id } } : null),
  (e) => (e.table === 'invitation_sent' ? { queue: 'notifications', kind: 'notifications.invitationSent', args: { eventId: e.row.id } } : null),
];
