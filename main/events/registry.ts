// The one list of domain event types. Everything that iterates event types (feed loading, webhooks,
// reports, audit chain) reads it from here.
import { cardCreated } from './card-created.ts';
import { cardMoved } from './card-moved.ts';
import { cardUpdated } from './card-updated.ts';
import { commentAdded } from './comment-added.ts';
import { memberInvited } from './member-invited.ts';
import { projectArchived } from './project-archived.ts';
import type { EventTable, EventType } from './types.ts';

export const eventTypes = {
  card_created: cardCreated,
  card_moved: cardMoved,
  card_updated: cardUpdated,
  comment_added: commentAdded,
  member_invited: memberInvited,
  project_archived: projectArchived,
} satisfies { [T in EventTable]: EventType<T> };

export const eventTables = Object.keys(eventTypes) as EventTable[];

export function eventType(table: string): EventType<EventTable> | undefined {
  return (eventTypes as Record<string, EventType<EventTable>>)[table];
}

export function eventTypeByWebhookType(type: string): EventType<EventTable> | undefined {
  return Object.values(eventTypes).find((t) => t.webhookType === type) as EventType<EventTable> | undefined;
}

export type { EventTable, EventType } from './types.ts';
