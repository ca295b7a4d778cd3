// Live updates across processes that share a store (two `chronicle serve` on one hub or one file, the app beside
// `chronicle dispatch`): what another process committed reaches this process's windows, and what this process
// publishes after a commit reaches theirs. Domain events and job results travel inside their own transactions
// (db/signals.ts publishOnCommit); the few messages published after a plain commit (an endpoint changed, a
// setting saved) are sent here, batched per tick.
import { listenForSignals, publishOnCommit, type SignalListener } from '../db/signals.ts';
import type { TopicName } from '../preload/contract.ts';
import type { AppServices } from './handlers/types.ts';
import type { PushMessage } from './push.ts';
import type { ServiceOptions } from './services.ts';

const listeners = new WeakMap<AppServices, SignalListener>();

export const pushRelayService = {
  name: 'push-relay',
  async start(app: AppServices, opts: ServiceOptions): Promise<void> {
    if (app.readOnly || !opts.background) return;
    let pending: PushMessage[] = [];
    let flushing = false;
    const flush = async () => {
      if (flushing || pending.length === 0) return;
      flushing = true;
      const batch = pending;
      pending = [];
      try {
        await app.store.transaction((tx) => publishOnCommit(tx, batch));
      } catch (err) {
        console.error(`[push] could not tell other processes about ${batch.length} update(s): ${(err as Error).message}`);
      } finally {
        flushing = false;
        if (pending.length) setImmediate(() => void flush());
      }
    };
    app.push.setRelay((m) => {
      pending.push(m);
      if (pending.length === 1) setImmediate(() => void flush());
    });
    const listener = await listenForSignals(app.store, {
      onPush: (messages) => {
        for (const m of messages) app.push.publish(m.accountId, m.topic as TopicName, m.payload as never, 'remote');
      },
      onJobs: () => (app.services.wakeRunner as (() => void) | undefined)?.(),
      log: (message) => console.error(message),
    });
    listeners.set(app, listener);
  },
  async stop(app: AppServices): Promise<void> {
    app.push.setRelay(null);
    await listeners.get(app)?.stop();
    listeners.delete(app);
  },
};
