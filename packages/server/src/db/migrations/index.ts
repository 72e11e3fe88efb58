import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001_initial.js';
import * as modelArtifacts from './0002_model_artifacts.js';
import * as sourceRevisions from './0003_source_revisions.js';
import * as jobs from './0004_jobs.js';
import * as governance from './0006_governance.js';

/** The one migration set, in order. Names are permanent: the migrator records them. */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_model_artifacts': modelArtifacts,
  '0003_source_revisions': sourceRevisions,
  '0004_jobs': jobs,
  '0006_governance': governance,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
