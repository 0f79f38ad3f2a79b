import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests install generated projects and start servers.
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
