import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Each file builds its own app; isolation keeps nock interceptors and env from leaking between files.
    pool: 'forks',
    testTimeout: 20_000,
  },
});
