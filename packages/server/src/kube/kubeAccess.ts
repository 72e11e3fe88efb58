import { StartupError } from '../errors.js';
import { KubeClient } from './KubeClient.js';
import { loadKubeConfig, type KubeAccessSettings } from './kubeConfig.js';

/**
 * One lazily created Kubernetes client per process, shared by everything that needs the API (SAR,
 * TokenReview, Lease, Secret references). Returns null when no access is configured; a kubeconfig
 * that cannot be loaded is a startup error.
 */
export function lazyKubeClient(settings: KubeAccessSettings): () => KubeClient | null {
  let client: KubeClient | null | undefined;
  return () => {
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
}
