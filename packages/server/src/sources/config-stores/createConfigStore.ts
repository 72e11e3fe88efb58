import type { Kysely } from 'kysely';
import type { ServerConfig } from '../../config/serverConfig.js';
import type { Database } from '../../db/schema.js';
import { StartupError } from '../../errors.js';
import { DEFAULT_NAMESPACE } from '../../tenancy/resolveNamespace.js';
import type { ConfigStore } from './ConfigStore.js';
import { DbConfigStore } from './DbConfigStore.js';
import { FileConfigStore } from './FileConfigStore.js';
import { NoneConfigStore } from './NoneConfigStore.js';

/**
 * The config store of `--config-store` (spec 04 §8). `file` and `none` start from the `--sources`
 * text startup already read; `db` reads the database (seeded later, once the database is migrated).
 */
export function createConfigStore(
  config: Pick<ServerConfig, 'configStore' | 'sourcesPath'>,
  database: { readonly db: Kysely<Database> },
  sourcesText: string | undefined,
): ConfigStore {
  switch (config.configStore.mode) {
    case 'file':
      return new FileConfigStore(config.sourcesPath, config.configStore.revisionLimit);
    case 'none':
      return new NoneConfigStore(new Map([[DEFAULT_NAMESPACE, sourcesText ?? '']]));
    case 'db':
      return new DbConfigStore(database, config.configStore.revisionLimit);
    case 'k8s':
      throw new StartupError('config store mode "k8s" is not available in this release; use file, db or none');
  }
}
