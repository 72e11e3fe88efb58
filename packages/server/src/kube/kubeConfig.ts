import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeAccessSettings {
  /** `KUBECONFIG`: one path or several joined with the platform's path delimiter. */
  kubeconfig: string | null;
  /** The process environment, for the in-cluster service variables. */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Kubernetes access as spec 05 §3.4 orders it: the in-cluster configuration (service account) when
 * the pod runs in a cluster, else `KUBECONFIG`. Returns null when neither is available.
 */
export function loadKubeConfig(settings: KubeAccessSettings): KubeConfig | null {
  const config = new KubeConfig();
  if (settings.env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    config.loadFromCluster();
    return config;
  }
  const files = (settings.kubeconfig ?? '').split(delimiter).filter(Boolean);
  if (files.length === 0) return null;
  config.loadFromFile(files[0]);
  for (const file of files.slice(1)) {
    const next = new KubeConfig();
    next.loadFromFile(file);
    config.mergeConfig(next);
  }
  if (!config.getCurrentCluster()) return null;
  return config;
}
