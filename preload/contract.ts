// THE contract: every method (dotted name → zod input/output) and every push topic. Both transports (Electron
// IPC and the browser host) serve exactly this, through the same handlers. Sections live beside it, one per area.
import type { z } from 'zod';
import { auditMethods, auditTopics } from './contract/audit.ts';
import { connectionMethods, connectionTopics } from './contract/connection.ts';
import { foundationMethods, foundationTopics } from './contract/foundation.ts';
import { peopleMethods, peopleTopics } from './contract/people.ts';
import { reportsMethods, reportsTopics } from './contract/reports.ts';
import { storageMethods, storageTopics } from './contract/storage.ts';
import { webhooksMethods, webhooksTopics } from './contract/webhooks.ts';

export const methods = {
  ...foundationMethods,
  ...peopleMethods,
  ...webhooksMethods,
  ...auditMethods,
  ...reportsMethods,
  ...storageMethods,
  ...connectionMethods,
} as const;

export const topics = {
  ...foundationTopics,
  ...peopleTopics,
  ...webhooksTopics,
  ...auditTopics,
  ...reportsTopics,
  ...storageTopics,
  ...connectionTopics,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Input<M extends MethodName> = z.input<Methods[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type Output<M extends MethodName> = z.output<Methods[M]['output']>;
export type Topics = typeof topics;
export type TopicName = keyof Topics;
export type TopicPayload<T extends TopicName> = z.output<Topics[T]>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

export { ErrorBody } from './contract/common.ts';

/** What the preload exposes on `window.chronicle` (and what the HTTP client implements). */
export interface ChronicleBridge {
  invoke<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>>;
  subscribe<T extends TopicName>(topic: T, listener: (payload: TopicPayload<T>) => void): () => void;
}
