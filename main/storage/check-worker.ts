// Worker thread: one SQLite integrity check of a workspace file (it can take seconds on a large file; run here,
// it never holds up the main thread, the window's IPC or the host's requests).
import { parentPort, workerData } from 'node:worker_threads';
import { checkSqliteFile, type CheckKind } from '../../db/integrity.ts';

const data = workerData as { file: string; kind: CheckKind; nativeBinding?: string };
parentPort!.postMessage(checkSqliteFile(data.file, data.kind, { nativeBinding: data.nativeBinding }));
