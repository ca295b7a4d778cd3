// The access events (migration 0006), as plain names: the contract's event-table enum includes them, and the
// console's Audit page lists them together as "Access changes" (kept free of zod so the renderer can import it).
export const accessEventTableNames = [
  'member_role_changed', 'invitation_sent', 'invitation_accepted', 'invitation_declined', 'invitation_revoked',
  'token_created', 'token_revoked',
  'webhook_endpoint_created', 'webhook_endpoint_changed', 'webhook_endpoint_disabled', 'webhook_endpoint_deleted',
  'webhook_secret_revealed', 'webhook_secret_rotated', 'session_switched',
] as const;
