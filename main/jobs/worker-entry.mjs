// Worker-thread entry under plain Node (CLI, vitest): compile TypeScript on the fly, then run the worker.
// The Electron build bundles main/jobs/worker.ts as out/main/jobs-worker.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
