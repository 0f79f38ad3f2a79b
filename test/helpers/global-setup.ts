/**
 * Once per `vitest run`: a fresh folder for what the test files share (the
 * installed project of test/helpers/installed-project.ts, made on first use),
 * removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const shared = mkdtempSync(join(tmpdir(), 'tsgate-shared-'));
  project.provide('tsgateSharedDir', shared);
  return () => rmSync(shared, { recursive: true, force: true });
}
