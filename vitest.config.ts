import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Each file builds its own app; isolation keeps nock interceptors and env from leaking between files.
    pool: 'forks',
    testTimeout: 20_000,
    // Set-up hooks start worker threads and server processes: as long as a test may take, on a busy machine too.
    hookTimeout: 60_000,
  },
});
