import { z } from 'zod';
import { accessEventTableNames } from './access-events.ts';
import { Cursor, Empty, Id, IsoTime, Limit, method, NamedRef, page, PersonRef, roles, StoreKind } from './common.ts';

export const Role = z.enum(roles);
export { accessEventTableNames };
export const EventTableName = z.enum([
  'card_created',
  'card_moved',
  'card_updated',
  'comment_added',
  'member_invited',
  'project_archived',
  ...accessEventTableNames,
]);

export const User = z.object({ id: Id, name: z.string(), email: z.string() });
export const Account = z.object({ id: Id, name: z.string() });
export const Member = z.object({ id: Id, user: User, role: Role, createdAt: z.string() });
export const Project = z.object({
  id: Id,
  name: z.string(),
  archived: z.boolean(),
  archivedAt: z.string().nullable(),
  archivedReason: z.string().nullable(),
  boards: z.array(NamedRef),
  createdAt: z.string(),
});
export const Card = z.object({
  id: Id,
  boardId: Id,
  columnId: Id,
  position: z.number().int(),
  title: z.string(),
  description: z.string(),
  assignee: PersonRef.nullable(),
  dueDate: z.string().nullable(),
  creator: PersonRef,
  commentCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const Column = z.object({ id: Id, name: z.string(), position: z.number().int(), cards: z.array(Card) });
export const BoardSummary = z.object({ id: Id, name: z.string(), project: NamedRef, archived: z.boolean(), cardCount: z.number().int() });
export const Board = z.object({
  id: Id,
  name: z.string(),
  project: NamedRef.extend({ archived: z.boolean() }),
  columns: z.array(Column),
});
export const Comment = z.object({ id: Id, cardId: Id, author: PersonRef, body: z.string(), createdAt: z.string() });
export const CardDetail = Card.extend({ comments: z.array(Comment) });

export const ActivityItem = z.object({
  id: Id,
  subjectType: EventTableName,
  subjectId: Id,
  description: z.string(),
  icon: z.string(),
  creator: PersonRef,
  board: NamedRef.nullable(),
  project: NamedRef.nullable(),
  createdAt: z.string(),
  /** The event's public JSON (UUIDs, ISO times). */
  subject: z.record(z.string(), z.unknown()),
  /** The start of the subject's text, on one line (a comment's body, up to 160 characters). */
  excerpt: z.string().optional(),
});

const Title = z.string().trim().min(1, 'must not be empty').max(200);
const Description = z.string().max(20_000);
const DueDate = z.iso.date({ message: 'must be a date, e.g. 2026-03-31' });

export const foundationMethods = {
  'session.get': method(
    Empty,
    z.object({
      user: User,
      account: Account,
      accounts: z.array(Account),
      role: Role,
      readOnly: z.boolean(),
      /** The account was made by the demo seed: acting as someone else (session.switchUser) is possible. */
      demo: z.boolean(),
      /** A personal access token fixes who this session is (a hub): no switching of account or person. */
      fixed: z.boolean(),
      /** The workspace is a team hub (PostgreSQL), not a file on this machine. */
      hub: z.boolean(),
      /** The contract's methods this person's role allows here (the console shows only these actions). */
      allowed: z.array(z.string()),
    }),
    { role: 'viewer' },
  ),
  'session.switchAccount': method(z.object({ accountId: Id }).strict(), z.object({ user: User, account: Account }), { role: 'viewer', switchesSession: true }),
  'session.switchUser': method(z.object({ userId: Id }).strict(), z.object({ user: User, account: Account }), { role: 'viewer', demo: true, switchesSession: true }),
  // `dbFile`: the file, or the hub's URL without its password.
  'workspace.status': method(Empty, z.object({ empty: z.boolean(), readOnly: z.boolean(), kind: StoreKind, dbFile: z.string() }), { role: 'anyone' }),
  'workspace.seedDemo': method(Empty, z.object({ created: z.boolean(), events: z.number().int() }), { role: 'anyone', switchesSession: true, write: true }),
  'workspace.create': method(
    z.object({ accountName: z.string().trim().min(1).max(120), userName: z.string().trim().min(1).max(120), email: z.email() }).strict(),
    z.object({ user: User, account: Account }),
    { role: 'anyone', switchesSession: true, write: true },
  ),
  'members.list': method(Empty, z.object({ items: z.array(Member) }), { role: 'viewer' }),
  'members.invite': method(
    z.object({ email: z.email(), name: z.string().trim().min(1).max(120), role: Role.exclude(['owner']).default('member') }).strict(),
    // A pending invitation: nobody joins until the invitee accepts. On a hub, `joinToken` is shown once.
    z.object({
      id: Id,
      invitee: User,
      role: Role.exclude(['owner']),
      status: z.literal('pending'),
      expiresAt: z.string(),
      joinToken: z.string().optional(),
    }),
    { role: 'admin', write: true },
  ),
  'projects.list': method(z.object({ includeArchived: z.boolean().default(true) }).strict().default({ includeArchived: true }), z.object({ items: z.array(Project) }), { role: 'viewer' }),
  'projects.create': method(
    z.object({ name: z.string().trim().min(1).max(120), boardName: z.string().trim().min(1).max(120).optional() }).strict(),
    Project,
    { role: 'member', write: true },
  ),
  // Admin: archiving freezes every board of the project for everyone.
  'projects.archive': method(
    z.object({ projectId: Id, reason: z.string().trim().min(1, 'a reason is required').max(500, 'at most 500 characters') }).strict(),
    Project,
    { role: 'admin', write: true },
  ),
  'boards.list': method(z.object({ projectId: Id.optional() }).strict().default({}), z.object({ items: z.array(BoardSummary) }), { role: 'viewer' }),
  'boards.get': method(z.object({ boardId: Id }).strict(), Board, { role: 'viewer' }),
  'boards.create': method(
    z.object({ projectId: Id, name: z.string().trim().min(1).max(120), columns: z.array(z.string().trim().min(1).max(60)).min(1).max(20).optional() }).strict(),
    Board,
    { role: 'member', write: true },
  ),
  'cards.get': method(z.object({ cardId: Id }).strict(), CardDetail, { role: 'viewer' }),
  'cards.create': method(
    z.object({ boardId: Id, columnId: Id, title: Title, description: Description.optional(), assigneeId: Id.nullable().optional(), dueDate: DueDate.nullable().optional() }).strict(),
    Card,
    { role: 'member', write: true },
  ),
  'cards.move': method(z.object({ cardId: Id, toColumnId: Id, position: z.number().int().min(0).optional() }).strict(), Card, { role: 'member', write: true }),
  'cards.update': method(
    z.object({ cardId: Id, title: Title.optional(), description: Description.optional(), assigneeId: Id.nullable().optional(), dueDate: DueDate.nullable().optional() }).strict(),
    Card,
    { role: 'member', write: true },
  ),
  'comments.add': method(z.object({ cardId: Id, body: z.string().trim().min(1, 'a comment cannot be empty').max(10_000) }).strict(), Comment, { role: 'member', write: true }),
  // The kinds of change an account's feed can hold, named and drawn as the event registry says (filters, chips).
  'activity.types': method(Empty, z.object({ items: z.array(z.object({ type: EventTableName, label: z.string(), icon: z.string() })) }), { role: 'viewer' }),
  'activity.list': method(
    z
      .object({
        boardId: Id.optional(),
        projectId: Id.optional(),
        creatorId: Id.optional(),
        types: z.array(EventTableName).min(1).optional(),
        from: IsoTime.optional(),
        to: IsoTime.optional(),
        cursor: Cursor.optional(),
        limit: Limit(200, 50),
      })
      .strict()
      .default({ limit: 50 }),
    page(ActivityItem),
    { role: 'viewer' },
  ),
} as const;

export const foundationTopics = {
  /** A new activity was committed in the session's account. */
  'activity.created': z.object({ id: Id, subjectType: EventTableName, boardId: Id.nullable(), projectId: Id.nullable(), createdAt: z.string() }),
  /** A board's layout changed without an event (a reorder within a column): refetch that board. */
  'board.changed': z.object({ boardId: Id }),
  /** Something about the workspace changed (demo seeded, account data reset): refetch everything. */
  'workspace.changed': z.object({}),
} as const;
