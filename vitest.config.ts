import { defineConfig } from 'vitest/config';
import { LongFilesFirst } from './test/helpers/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A fresh folder per run for what test files share: the installed generated project (test/helpers/installed-project.ts).
    globalSetup: ['test/helpers/global-setup.ts'],
    // Four files at once, whatever the core count (vitest's default is one less than the cores: a single file on a
    // 2-core machine): most files spend their time waiting on child processes, npm, the network and the databases.
    maxWorkers: 4,
    sequence: { sequencer: LongFilesFirst },
    // End-to-end tests install generated projects and start servers.
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
