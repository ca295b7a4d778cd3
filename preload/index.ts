// The preload exposes the typed contract client and nothing else: two functions on `window.chronicle`.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ChronicleBridge, Input, MethodName, Output, TopicName, TopicPayload } from './contract.ts';
import { RPC_CHANNEL, PUSH_CHANNEL } from './channels.ts';

const bridge: ChronicleBridge = {
  async invoke<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> {
    const reply = (await ipcRenderer.invoke(RPC_CHANNEL, String(method), input)) as
      | { ok: true; result: Output<M> }
      | { ok: false; error: { code: string; message: string; issues?: unknown } };
    if (reply.ok) return reply.result;
    // Errors cross the bridge as plain data; the renderer's client turns them into ContractErrors.
    throw Object.assign(new Error(reply.error.message), { contractError: reply.error });
  },
  subscribe<T extends TopicName>(topic: T, listener: (payload: TopicPayload<T>) => void) {
    const handler = (_event: IpcRendererEvent, t: string, payload: unknown) => {
      if (t === topic) listener(payload as TopicPayload<T>);
    };
    ipcRenderer.on(PUSH_CHANNEL, handler);
    return () => ipcRenderer.removeListener(PUSH_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('chronicle', bridge);
