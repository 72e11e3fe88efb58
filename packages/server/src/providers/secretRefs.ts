import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { LRUCache } from 'lru-cache';
import type { KubeClient } from '../kube/KubeClient.js';
import { ProviderError } from './ProviderError.js';

/** Only variables with this prefix may be read, so a source cannot read `DATABASE_DSN` or other server settings (04 §11.1). */
export const SECRET_ENV_PREFIX = 'CATALOG_SECRET_';

/** A secret file larger than this is certainly not a token; refusing it keeps a bad reference from loading a huge file. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** Resolved Kubernetes Secrets are reused for at most this long (04 §11.3), so a rotated Secret is seen at the next refresh after it. */
const KUBE_SECRET_CACHE_MS = 30_000;
const KUBE_SECRET_CACHE_MAX = 1_000;
const KUBE_TIMEOUT_MS = 10_000;

/** The three reference forms of 04 §11.1. */
export type SecretReference =
  | { name: string; key: string; namespace?: string }
  | { env: string }
  | { file: string };

/** Where a secret is used: the property path names it in error messages; the namespace scopes Kubernetes Secrets. */
export interface SecretContext {
  /** Property path inside `properties`, e.g. `authToken` or `headers.X-Api-Key`. */
  property: string;
  /** Tenancy namespace of the source (04 §11.2). */
  namespace: string;
}

/**
 * Resolves a property value that is either a plain string (returned as is) or a secret reference.
 * Rejects with a ProviderError `failed to resolve secret for property "<path>": <reason>`; neither
 * the message nor anything logged by the resolver contains a resolved value.
 */
export type SecretResolver = (value: unknown, context: SecretContext) => Promise<string>;

export interface SecretResolverOptions {
  /** The `CATALOG_SECRET_*` variables (serverConfig `secrets.env`); other names are ignored. */
  env: Readonly<Record<string, string>>;
  /** `CATALOG_SECRETS_DIR`; `null` disables `{file: …}` references. */
  secretsDir: string | null;
  /** `{name, key}` references; absent or a client factory answering null: no Kubernetes access. */
  kubernetes?: KubernetesSecretSettings;
}

export interface KubernetesSecretSettings {
  client: () => Pick<KubeClient, 'readSecret'> | null;
  tenancyMode: 'single' | 'namespace';
  /** `CATALOG_CONFIG_NAMESPACE`: the Secret namespace in single-tenant mode when the reference names none. */
  defaultNamespace: string;
}

const REFERENCE_KEY_SETS: readonly (readonly string[])[] = [['env'], ['file'], ['key', 'name'], ['key', 'name', 'namespace']];

/**
 * A value is a secret reference when it is an object whose key set is exactly one of the forms of
 * 04 §11.1 and every value is a non-empty string; anything else (an object with an extra key, an
 * empty name) is ordinary data.
 */
export function isSecretReference(value: unknown): value is SecretReference {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  if (!entries.every(([, v]) => typeof v === 'string' && v !== '')) return false;
  const keys = entries.map(([k]) => k).sort().join(',');
  return REFERENCE_KEY_SETS.some((set) => set.join(',') === keys);
}

export function createSecretResolver(options: SecretResolverOptions): SecretResolver {
  // Copied so later changes to the caller's object (or process.env) cannot widen what references may read.
  const env = new Map(Object.entries(options.env).filter(([name]) => name.startsWith(SECRET_ENV_PREFIX)));
  const secretsDir = options.secretsDir;
  const readKubeSecret = options.kubernetes ? kubeSecretReader(options.kubernetes) : null;

  return async (value, { property, namespace }) => {
    const fail = (reason: string) => new ProviderError(`failed to resolve secret for property "${property}": ${reason}`);
    if (typeof value === 'string') return value;
    if (!isSecretReference(value)) throw fail('value must be a string or a secret reference');

    if ('env' in value) {
      if (!value.env.startsWith(SECRET_ENV_PREFIX)) throw fail(`environment variable references must start with "${SECRET_ENV_PREFIX}"`);
      const resolved = env.get(value.env);
      if (resolved === undefined) throw fail(`environment variable "${value.env}" is not set`);
      return resolved;
    }

    if ('file' in value) {
      if (secretsDir === null) throw fail('file secret references are disabled (CATALOG_SECRETS_DIR is not set)');
      return readSecretFile(secretsDir, value.file, fail);
    }

    if (!readKubeSecret) throw fail('Kubernetes secret references are not available (no Kubernetes configuration)');
    return readKubeSecret(value, namespace, fail);
  };
}

type KubeSecretReader = (reference: { name: string; key: string; namespace?: string }, tenancyNamespace: string, fail: (reason: string) => ProviderError) => Promise<string>;

/**
 * `{name, key, namespace?}` references (04 §11.2): in namespace mode the Secret lives in the source's
 * own namespace and naming another is refused, so a tenant cannot read another tenant's Secrets; in
 * single mode the namespace defaults to `CATALOG_CONFIG_NAMESPACE`.
 */
function kubeSecretReader(settings: KubernetesSecretSettings): KubeSecretReader {
  // Only found Secrets are cached: one created after a failed refresh is seen at the next attempt.
  const cache = new LRUCache<string, { data: Record<string, string> }>({ max: KUBE_SECRET_CACHE_MAX, ttl: KUBE_SECRET_CACHE_MS });
  return async (reference, tenancyNamespace, fail) => {
    let namespace: string;
    if (settings.tenancyMode === 'namespace') {
      if (reference.namespace !== undefined && reference.namespace !== tenancyNamespace) throw fail(`secret reference must use namespace "${tenancyNamespace}"`);
      namespace = tenancyNamespace;
    } else {
      namespace = reference.namespace ?? settings.defaultNamespace;
    }
    const client = settings.client();
    if (!client) throw fail('Kubernetes secret references are not available (no Kubernetes configuration)');
    const cacheKey = JSON.stringify([namespace, reference.name]);
    let entry = cache.get(cacheKey);
    if (!entry) {
      let secret;
      try {
        secret = await client.readSecret(namespace, reference.name, KUBE_TIMEOUT_MS);
      } catch (error) {
        throw fail(`Kubernetes API unavailable while reading Secret ${namespace}/${reference.name} (${(error as Error).message})`);
      }
      if (!secret) throw fail(`Secret ${namespace}/${reference.name} not found`);
      entry = { data: secret.data ?? {} };
      cache.set(cacheKey, entry);
    }
    const encoded = entry.data[reference.key];
    if (encoded === undefined) throw fail(`key "${reference.key}" not found in Secret ${namespace}/${reference.name}`);
    return Buffer.from(encoded, 'base64').toString('utf8');
  };
}

async function readSecretFile(secretsDir: string, file: string, fail: (reason: string) => ProviderError): Promise<string> {
  const outside = () => fail(`secret file "${file}" must be a relative path inside CATALOG_SECRETS_DIR`);
  // `..` is refused outright (even when it would stay inside), as 04 §11.1 requires; symlinks are checked below.
  if (isAbsolute(file) || file.startsWith('/') || file.startsWith('\\') || file.split(/[\\/]/).includes('..')) throw outside();
  let path: string;
  let root: string;
  try {
    root = await realpath(secretsDir);
    path = await realpath(resolve(root, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw fail(`secret file "${file}" not found`);
    throw fail(`secret file "${file}" cannot be read (${code ?? 'error'})`);
  }
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw outside();

  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fail(`secret file "${file}" cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw fail(`secret file "${file}" is not a regular file`);
    if (stat.size > MAX_SECRET_FILE_BYTES) throw fail(`secret file "${file}" is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
    const text = await handle.readFile('utf8');
    // Files written by editors and `kubectl create secret --from-file` usually end with one newline that is not part of the secret.
    return text.replace(/\r?\n$/, '');
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw fail(`secret file "${file}" cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await handle.close();
  }
}
