import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001_initial.js';
import * as jobs from './0004_jobs.js';

/** The one migration set, in order. Names are permanent: the migrator records them. */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0004_jobs': jobs,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
