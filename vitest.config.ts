import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A fresh folder per run for what test files share: the installed generated project (test/helpers/installed-project.ts).
    globalSetup: ['test/helpers/global-setup.ts'],
    // End-to-end tests install generated projects and start servers.
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
