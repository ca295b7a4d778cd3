// The one list of domain event types. Everything that iterates event types (feed loading, webhooks,
// reports, audit chain) reads it from here.
import { cardCreated } from './card-created.ts';
import { cardMoved } from './card-moved.ts';
import { cardUpdated } from './card-updated.ts';
import { commentAdded } from './comment-added.ts';
import { memberInvited } from './member-invited.ts';
import { projectArchived } from './project-archived.ts';
import { invitationAccepted } from './invitation-accepted.ts';
import { invitationDeclined } from './invitation-declined.ts';
import { invitationRevoked } from './invitation-revoked.ts';
import { invitationSent } from './invitation-sent.ts';
import { memberRoleChanged } from './member-role-changed.ts';
import { sessionSwitched } from './session-switched.ts';
import { tokenCreated } from './token-created.ts';
import { tokenRevoked } from './token-revoked.ts';
import { webhookEndpointChanged } from './webhook-endpoint-changed.ts';
import { webhookEndpointCreated } from './webhook-endpoint-created.ts';
import { webhookEndpointDeleted } from './webhook-endpoint-deleted.ts';
import { webhookEndpointDisabled } from './webhook-endpoint-disabled.ts';
import { webhookSecretRevealed } from './webhook-secret-revealed.ts';
import { webhookSecretRotated } from './webhook-secret-rotated.ts';
import type { EventTable, EventType } from './types.ts';

export const eventTypes = {
  card_created: cardCreated,
  card_moved: cardMoved,
  card_updated: cardUpdated,
  comment_added: commentAdded,
  member_invited: memberInvited,
  project_archived: projectArchived,
  // Access events (migration 0006).
  member_role_changed: memberRoleChanged,
  invitation_sent: invitationSent,
  invitation_accepted: invitationAccepted,
  invitation_declined: invitationDeclined,
  invitation_revoked: invitationRevoked,
  token_created: tokenCreated,
  token_revoked: tokenRevoked,
  webhook_endpoint_created: webhookEndpointCreated,
  webhook_endpoint_changed: webhookEndpointChanged,
  webhook_endpoint_disabled: webhookEndpointDisabled,
  webhook_endpoint_deleted: webhookEndpointDeleted,
  webhook_secret_revealed: webhookSecretRevealed,
  webhook_secret_rotated: webhookSecretRotated,
  session_switched: sessionSwitched,
} satisfies { [T in EventTable]: EventType<T> };

export const eventTables = Object.keys(eventTypes) as EventTable[];

export function eventType(table: string): EventType<EventTable> | undefined {
  return (eventTypes as Record<string, EventType<EventTable>>)[table];
}

export function eventTypeByWebhookType(type: string): EventType<EventTable> | undefined {
  return Object.values(eventTypes).find((t) => t.webhookType === type) as EventType<EventTable> | undefined;
}

export type { EventTable, EventType } from './types.ts';
