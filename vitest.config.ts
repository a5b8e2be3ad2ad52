import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Each file runs in its own process with its own database (a copy of a migrated template).
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Suites send many requests as one user: the rate limit is tested on its own, with a small limit.
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', AUTH_JWT_SECRET: 'test-only-hs256-secret-0123456789abcdefg', RATE_LIMIT_REQUESTS: '1000000' },
  },
});
