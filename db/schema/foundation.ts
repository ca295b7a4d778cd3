import type { Generated } from 'kysely';

// Row types of the foundation tables, as stored (timestamps are epoch milliseconds).
/** `demo`: made by the demo seed (acting as someone else is allowed only there). */
export interface AccountsTable { id: string; name: string; demo: Generated<boolean | number>; created_at: number }
export interface UsersTable { id: string; account_id: string; name: string; email: string; created_at: number }
export interface MembershipsTable {
  id: string; account_id: string; user_id: string; role: 'owner' | 'admin' | 'member' | 'viewer'; created_at: number;
}
export interface ProjectsTable {
  id: string; account_id: string; name: string; archived_at: number | null; archived_reason: string | null; created_at: number;
}
export interface BoardsTable { id: string; account_id: string; project_id: string; name: string; created_at: number }
export interface ColumnsTable { id: string; account_id: string; board_id: string; name: string; position: number; created_at: number }
export interface CardsTable {
  id: string; account_id: string; board_id: string; column_id: string; position: number; title: string;
  description: string; assignee_id: string | null; due_date: string | null; creator_id: string;
  created_at: number; updated_at: number;
}
export interface CommentsTable { id: string; account_id: string; card_id: string; author_id: string; body: string; created_at: number }
export interface CardSubscriptionsTable { id: string; account_id: string; card_id: string; user_id: string; created_at: number }

/** Columns every event table has. */
export interface EventBase { id: string; account_id: string; creator_id: string; created_at: number }
export interface CardCreatedTable extends EventBase { card_id: string; board_id: string; column_id: string; title: string }
export interface CardMovedTable extends EventBase {
  card_id: string; from_column_id: string; to_column_id: string; from_position: number; to_position: number;
}
/** `changes` is JSON text: { attribute: [old, new] }. */
export interface CardUpdatedTable extends EventBase { card_id: string; changes: string }
export interface CommentAddedTable extends EventBase { comment_id: string; card_id: string }
export interface MemberInvitedTable extends EventBase { membership_id: string; invitee_id: string; role: string }
export interface ProjectArchivedTable extends EventBase { project_id: string; reason: string }

export interface ActivitiesTable {
  id: string; account_id: string; subject_type: string; subject_id: string; creator_id: string;
  board_id: string | null; project_id: string | null; created_at: number;
}

export type JobStatus = 'ready' | 'claimed' | 'done' | 'failed' | 'cancelled';
/** Columns with a default in SQL are `Generated`: optional on insert, present on select. */
export interface JobsTable {
  id: string; account_id: string; queue: string; kind: string; args: string; status: Generated<JobStatus>; priority: Generated<number>;
  run_at: number; attempts: Generated<number>; max_attempts: Generated<number>; claimed_by: string | null; claimed_at: number | null;
  heartbeat_at: number | null; last_error: string | null; finished_at: number | null; created_at: number;
  concurrency_key: Generated<string | null>;
}

export interface FoundationSchema {
  accounts: AccountsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  projects: ProjectsTable;
  boards: BoardsTable;
  columns: ColumnsTable;
  cards: CardsTable;
  comments: CommentsTable;
  card_subscriptions: CardSubscriptionsTable;
  card_created: CardCreatedTable;
  card_moved: CardMovedTable;
  card_updated: CardUpdatedTable;
  comment_added: CommentAddedTable;
  member_invited: MemberInvitedTable;
  project_archived: ProjectArchivedTable;
  activities: ActivitiesTable;
  jobs: JobsTable;
}
