import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001_initial.js';
import * as modelArtifacts from './0002_model_artifacts.js';

/** The one migration set, in order. Names are permanent: the migrator records them. */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_model_artifacts': modelArtifacts,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
