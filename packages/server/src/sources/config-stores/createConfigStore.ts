import type { Kysely } from 'kysely';
import type { BaseLogger } from 'pino';
import type { ServerConfig } from '../../config/serverConfig.js';
import type { Database } from '../../db/schema.js';
import { StartupError } from '../../errors.js';
import type { KubeClient } from '../../kube/KubeClient.js';
import { DEFAULT_NAMESPACE } from '../../tenancy/resolveNamespace.js';
import type { ConfigStore } from './ConfigStore.js';
import { DbConfigStore } from './DbConfigStore.js';
import { FileConfigStore } from './FileConfigStore.js';
import { K8sConfigStore } from './K8sConfigStore.js';
import { NoneConfigStore } from './NoneConfigStore.js';

export interface ConfigStoreDeps {
  database: { readonly db: Kysely<Database> };
  /** The `--sources` text startup already read (`file` and `none`). */
  sourcesText: string | undefined;
  /** The process's Kubernetes client; null without Kubernetes access. */
  kube: () => KubeClient | null;
  log: BaseLogger;
}

/**
 * The config store of `--config-store` (spec 04 §8). `file` and `none` start from the `--sources`
 * text startup already read; `db` reads the database (seeded later, once the database is migrated);
 * `k8s` needs Kubernetes access (checked here, before the listener binds) and its ConfigMap (checked
 * by `K8sConfigStore.open` at step 6 of startup).
 */
export function createConfigStore(config: Pick<ServerConfig, 'configStore' | 'sourcesPath'>, deps: ConfigStoreDeps): ConfigStore {
  switch (config.configStore.mode) {
    case 'file':
      return new FileConfigStore(config.sourcesPath, config.configStore.revisionLimit);
    case 'none':
      return new NoneConfigStore(new Map([[DEFAULT_NAMESPACE, deps.sourcesText ?? '']]));
    case 'db':
      return new DbConfigStore(deps.database, config.configStore.revisionLimit);
    case 'k8s': {
      const client = deps.kube();
      if (!client) throw new StartupError('CATALOG_CONFIG_STORE_MODE=k8s requires Kubernetes access (in-cluster configuration or KUBECONFIG)');
      return new K8sConfigStore(client, {
        namespace: config.configStore.namespace,
        name: config.configStore.configMapName,
        key: config.configStore.configMapKey,
        revisionLimit: config.configStore.revisionLimit,
        recheckReadOnlyMs: config.configStore.reconcileIntervalSeconds * 1000,
      }, deps.log);
    }
  }
}
