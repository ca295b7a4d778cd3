import type { TopicName, TopicPayload } from '../preload/contract.ts';

export type PushListener = (accountId: string, topic: TopicName, payload: unknown) => void;

/**
 * Push topics, published after commit. Each transport (IPC windows, host SSE streams) subscribes once and
 * forwards a message only to sessions of the message's account.
 */
export class PushBus {
  private listeners = new Set<PushListener>();

  subscribe(listener: PushListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish<T extends TopicName>(accountId: string, topic: T, payload: TopicPayload<T>): void {
    for (const l of this.listeners) {
      try {
        l(accountId, topic, payload);
      } catch {
        // A broken subscriber must not break the command that committed.
      }
    }
  }
}
