import { defineConfig } from 'vitest/config';

// The integration suite runs twice, once per store: the same test files on a SQLite file and on a real
// PostgreSQL server (started and removed by test/support/postgres-setup.ts). Unit tests do not touch a store.
export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'], env: { CHRONICLE_TEST_STORE: 'sqlite' } },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/integration/**/*.test.ts'],
          env: { CHRONICLE_TEST_STORE: 'postgres' },
          globalSetup: ['test/support/postgres-setup.ts'],
        },
      },
    ],
  },
});
