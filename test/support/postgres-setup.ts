// vitest globalSetup of the `postgres` project: one throwaway PostgreSQL server for the whole run; each test app
// gets a database of its own on it (test/support/workspace.ts).
import type { TestProject } from 'vitest/node';
import { startPostgresServer } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startPostgresServer();
  project.provide('pgUrl', server.url());
  return () => server.stop();
}
