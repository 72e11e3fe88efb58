import { StartupError } from '../errors.js';
import { KubeClient } from './KubeClient.js';
import { loadKubeConfig, type KubeAccessSettings } from './kubeConfig.js';

/** The shared client, created on first call; `close` ends its connections if it was created. */
export type LazyKubeClient = (() => KubeClient | null) & { close(): void };

/**
 * One lazily created Kubernetes client per process, shared by everything that needs the API (SAR,
 * TokenReview, Lease, Secret references). Returns null when no access is configured; a kubeconfig
 * that cannot be loaded is a startup error.
 */
export function lazyKubeClient(settings: KubeAccessSettings): LazyKubeClient {
  let client: KubeClient | null | undefined;
  const get = () => {
    if (client === undefined) {
      try {
        const config = loadKubeConfig(settings);
        client = config ? new KubeClient(config) : null;
      } catch (error) {
        throw new StartupError(`cannot load the Kubernetes configuration: ${(error as Error).message}`);
      }
    }
    return client;
  };
  return Object.assign(get, { close: () => client?.close() });
}
