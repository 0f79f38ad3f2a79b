export { captureQueries, createdTables, statementText } from './capture.js';
export { makePlan, runPlan, squashedAndApplied, withSquashed, type PlanStep, type RunOptions, type Target } from './executor.js';
export { MigrationGraph } from './graph.js';
export { loadMigrations, migrationKeys, migrationsFolder, sourceMigrationsFolder } from './loader.js';
export { appliedMigrations, changedSinceApplied, ensureMigrationsTable, MIGRATIONS_TABLE, recordApplied } from './recorder.js';
export { hasTransactionalDdl, withMigrationLock, type LockNotice, type MigrationSession } from './session.js';
export type { AppliedMigration, Migration, MigrationDb, MigrationFile } from './types.js';
