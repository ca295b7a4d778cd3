#!/usr/bin/env node
// Runs the TypeScript CLI under plain Node (no build step): tsx compiles on the fly.
import { register } from 'tsx/esm/api';

register();
await import('../cli.ts');
