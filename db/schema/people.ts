import type { EventBase } from './foundation.ts';

// Row types of migration 0006 (people and permissions). Times are epoch milliseconds.
export type InvitedRole = 'admin' | 'member' | 'viewer';
export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'revoked';

export interface InvitationsTable {
  id: string; account_id: string; invitee_id: string; role: InvitedRole; status: InvitationStatus;
  /** SHA-256 (hex) of the one-time join token of a hub invitation; null once decided, or when there is none. */
  join_token_hash: string | null;
  invited_by: string; membership_id: string | null; decided_by: string | null;
  created_at: number; expires_at: number; decided_at: number | null;
}

export interface AccessTokensTable {
  id: string; account_id: string; user_id: string; name: string;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  token_hash: string;
  /** The token's first characters, to tell tokens apart in a list (`chr_Ab3k…`). */
  prefix: string;
  created_by: string; created_at: number; last_used_at: number | null; revoked_at: number | null; revoked_by: string | null;
}

export type Role = 'owner' | 'admin' | 'member' | 'viewer';

export interface MemberRoleChangedTable extends EventBase { membership_id: string; member_id: string; from_role: Role | null; to_role: Role }
export interface InvitationSentTable extends EventBase { invitation_id: string; invitee_id: string; role: InvitedRole }
export interface InvitationAcceptedTable extends EventBase { invitation_id: string; membership_id: string; role: InvitedRole }
export interface InvitationDeclinedTable extends EventBase { invitation_id: string }
export interface InvitationRevokedTable extends EventBase { invitation_id: string; invitee_id: string }
export interface TokenCreatedTable extends EventBase { token_id: string; person_id: string; source: 'console' | 'shell' | 'invitation' }
export interface TokenRevokedTable extends EventBase { token_id: string; person_id: string }
export interface WebhookEndpointCreatedTable extends EventBase { endpoint_id: string; origin: string }
/** `changes` is JSON text: { attribute: [old, new] } (header values never; URLs as their origin). */
export interface WebhookEndpointChangedTable extends EventBase { endpoint_id: string; origin: string; changes: string }
export interface WebhookEndpointDisabledTable extends EventBase { endpoint_id: string; origin: string; reason: string }
export interface WebhookEndpointDeletedTable extends EventBase { endpoint_id: string; origin: string; cancelled_deliveries: number }
export interface WebhookSecretRevealedTable extends EventBase { endpoint_id: string; origin: string }
export interface WebhookSecretRotatedTable extends EventBase { endpoint_id: string; origin: string; previous_expires_at: number }
export interface SessionSwitchedTable extends EventBase { from_user_id: string; to_user_id: string }

export interface PeopleSchema {
  invitations: InvitationsTable;
  access_tokens: AccessTokensTable;
  member_role_changed: MemberRoleChangedTable;
  invitation_sent: InvitationSentTable;
  invitation_accepted: InvitationAcceptedTable;
  invitation_declined: InvitationDeclinedTable;
  invitation_revoked: InvitationRevokedTable;
  token_created: TokenCreatedTable;
  token_revoked: TokenRevokedTable;
  webhook_endpoint_created: WebhookEndpointCreatedTable;
  webhook_endpoint_changed: WebhookEndpointChangedTable;
  webhook_endpoint_disabled: WebhookEndpointDisabledTable;
  webhook_endpoint_deleted: WebhookEndpointDeletedTable;
  webhook_secret_revealed: WebhookSecretRevealedTable;
  webhook_secret_rotated: WebhookSecretRotatedTable;
  session_switched: SessionSwitchedTable;
}
