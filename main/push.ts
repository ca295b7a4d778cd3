import type { TopicName, TopicPayload } from '../preload/contract.ts';

export type PushListener = (accountId: string, topic: TopicName, payload: unknown) => void;

/**
 * Where a published message comes from:
 * - 'local': published after a commit by this process, not yet told to other processes (the relay sends it);
 * - 'committed': already sent to other processes inside the committing transaction (domain events, job results);
 * - 'remote': heard from another process (never relayed back).
 */
export type PushSource = 'local' | 'committed' | 'remote';

export interface PushMessage {
  accountId: string;
  topic: TopicName;
  payload: unknown;
}

/**
 * Push topics, published after commit. Each transport (IPC windows, host SSE streams) subscribes once and
 * forwards a message only to sessions of the message's account. A relay (main/push-relay.ts) carries messages
 * between processes that share a store.
 */
export class PushBus {
  private listeners = new Set<PushListener>();
  private relay: ((m: PushMessage) => void) | null = null;

  subscribe(listener: PushListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Messages published as 'local' also go to `relay` (for other processes). */
  setRelay(relay: ((m: PushMessage) => void) | null): void {
    this.relay = relay;
  }

  publish<T extends TopicName>(accountId: string, topic: T, payload: TopicPayload<T>, source: PushSource = 'local'): void {
    for (const l of this.listeners) {
      try {
        l(accountId, topic, payload);
      } catch {
        // A broken subscriber must not break the command that committed.
      }
    }
    if (source === 'local' && this.relay) {
      try {
        this.relay({ accountId, topic, payload });
      } catch {
        // Other processes hear it on their next refetch.
      }
    }
  }
}
