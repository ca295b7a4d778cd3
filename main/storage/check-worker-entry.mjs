// Worker-thread entry under plain Node (CLI, vitest): compile TypeScript on the fly, then run the check.
// The Electron build bundles main/storage/check-worker.ts as out/main/storage-check-worker.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./check-worker.ts');
