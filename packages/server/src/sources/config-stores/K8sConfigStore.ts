import type { V1ConfigMap } from '@kubernetes/client-node';
import type { BaseLogger } from 'pino';
import { parse, stringify } from 'yaml';
import { ServiceUnavailableError, StartupError, UnprocessableEntityError } from '../../errors.js';
import { sha256Hex } from '../../ingest/digest.js';
import { KubeApiError, type KubeClient } from '../../kube/KubeClient.js';
import { DEFAULT_NAMESPACE } from '../../tenancy/resolveNamespace.js';
import { sourceSnapshot, sourceVersion, type SourceSnapshot } from '../sourceDigests.js';
import {
  StoreConflictError,
  StoreUnavailableError,
  type ConfigStore,
  type RevisionAction,
  type RevisionRecord,
  type SaveRequest,
  type StoredDocument,
} from './ConfigStore.js';

/** Largest namespace document (spec 04 §8.4): the whole ConfigMap, every namespace's key and the history share 1 MiB. */
export const K8S_MAX_DOCUMENT_BYTES = 900 * 1024;
/** Revisions kept per source, whatever `CATALOG_REVISION_LIMIT` says (04 §10.2). */
export const K8S_REVISION_CAP = 10;
/** Annotations in total (ours and anyone else's), kept under Kubernetes' 256 KiB limit. */
export const K8S_MAX_ANNOTATION_BYTES = 200 * 1024;
export const INDEX_ANNOTATION = 'catalog.kubeflow.org/revisions';
export const SNAPSHOT_ANNOTATION_PREFIX = 'catalog.kubeflow.org/rev-';
const API_TIMEOUT_MS = 10_000;
const DNS_1123_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ACTIONS: readonly RevisionAction[] = ['import', 'apply', 'enable', 'disable', 'rollback', 'external'];

export interface K8sConfigStoreSettings {
  /** `CATALOG_CONFIG_NAMESPACE`: the Kubernetes namespace of the ConfigMap. */
  namespace: string;
  /** `CATALOG_CONFIG_CONFIGMAP_NAME`. */
  name: string;
  /** `CATALOG_CONFIG_CONFIGMAP_KEY`: the data key of tenant namespace `default`; others use `<ns>.<key>`. */
  key: string;
  /** `CATALOG_REVISION_LIMIT`, capped at 10 here. */
  revisionLimit: number;
  /** How long a store found read-only stays so before the permission is checked again. */
  recheckReadOnlyMs: number;
}

/** One entry of the `catalog.kubeflow.org/revisions` index (spec 04 §8.4), newest first. */
interface IndexEntry {
  source: string;
  version: string;
  digest: string;
  timestamp: string;
  size: number;
  action: RevisionAction;
  actor: string;
}

/**
 * The `k8s` store (spec 04 §8.4): every tenant namespace's document is one data key of one ConfigMap
 * (`<key>` for `default`, `<ns>.<key>` for the others); a document's version is the SHA-256 of its
 * key's data. A save re-reads the ConfigMap, compares that hash with the expected version and
 * replaces the ConfigMap carrying the `resourceVersion` it read, with the revision snapshots and
 * their index as annotations of the same object: document and history change in one atomic UPDATE,
 * and a concurrent writer anywhere (another replica, `kubectl edit`) makes it a conflict.
 *
 * The store never creates the ConfigMap (`open` fails startup when it is missing). Write permission
 * is checked at startup with a dry-run UPDATE; a 403 on any UPDATE makes the store read-only until
 * a later check (at most once per `recheckReadOnlyMs`) finds the permission granted.
 */
export class K8sConfigStore implements ConfigStore {
  readonly mode = 'k8s' as const;
  readonly keepsRevisions = true;
  readonly maxDocumentBytes = K8S_MAX_DOCUMENT_BYTES;
  private readonly revisionLimit: number;
  private forbidden = false;
  private checkedAt = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly settings: K8sConfigStoreSettings,
    private readonly log: BaseLogger,
  ) {
    this.revisionLimit = Math.min(settings.revisionLimit, K8S_REVISION_CAP);
  }

  /** `configmap/<namespace>/<name>`: how errors and logs name the ConfigMap. */
  get label(): string {
    return `configmap/${this.settings.namespace}/${this.settings.name}`;
  }

  /**
   * Startup (spec 01 §3.1 step 6): the ConfigMap must exist and be readable, else the server exits 1;
   * then finds out whether this server may update it.
   */
  async open(): Promise<void> {
    try {
      await this.configMap();
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw new StartupError(`k8s config store: ${error.detail}`);
      throw error;
    }
    if (!(await this.probeWritable())) {
      this.log.warn({ configMap: this.label }, 'k8s config store is read-only: no permission to update the ConfigMap; source changes answer 503');
    }
  }

  async writable(): Promise<boolean> {
    if (this.forbidden && Date.now() - this.checkedAt >= this.settings.recheckReadOnlyMs) await this.probeWritable();
    return !this.forbidden;
  }

  keyOf(namespace: string): string {
    return namespace === DEFAULT_NAMESPACE ? this.settings.key : `${namespace}.${this.settings.key}`;
  }

  async namespaces(): Promise<string[]> {
    const configMap = await this.configMap();
    const suffix = `.${this.settings.key}`;
    const names = new Set([DEFAULT_NAMESPACE]);
    for (const key of Object.keys(configMap.data ?? {})) {
      if (!key.endsWith(suffix)) continue;
      const namespace = key.slice(0, -suffix.length);
      if (DNS_1123_LABEL.test(namespace) && namespace !== DEFAULT_NAMESPACE) names.add(namespace);
    }
    return [...names].sort();
  }

  async read(namespace: string): Promise<StoredDocument | undefined> {
    const text = (await this.configMap()).data?.[this.keyOf(namespace)];
    if (text === undefined) return undefined;
    if (Buffer.byteLength(text) > K8S_MAX_DOCUMENT_BYTES) {
      throw this.unavailable(`${this.label} key ${this.keyOf(namespace)} is larger than ${K8S_MAX_DOCUMENT_BYTES} bytes`);
    }
    return { text, version: sha256Hex(text) };
  }

  async save(request: SaveRequest): Promise<StoredDocument> {
    const configMap = await this.configMap();
    const key = this.keyOf(request.namespace);
    const current = configMap.data?.[key];
    if ((current === undefined ? null : sha256Hex(current)) !== request.expectedVersion) throw new StoreConflictError();
    const { managedFields: _managedFields, ...metadata } = configMap.metadata ?? {};
    const body: V1ConfigMap = {
      ...configMap,
      metadata: {
        ...metadata,
        annotations: withRevisions(metadata.annotations ?? {}, request.namespace, request.revisions, this.revisionLimit),
      },
      data: { ...configMap.data, [key]: request.text },
    };
    try {
      await this.client.replaceConfigMap(this.settings.namespace, body, API_TIMEOUT_MS);
    } catch (error) {
      throw this.writeFailure(error);
    }
    return { text: request.text, version: sha256Hex(request.text) };
  }

  async revisions(namespace: string, configKey: string, sourceId: string): Promise<RevisionRecord[]> {
    const annotations = (await this.configMap()).metadata?.annotations ?? {};
    const source = sourceKey(namespace, configKey, sourceId);
    const records: RevisionRecord[] = [];
    for (const entry of readIndex(annotations)) {
      if (entry.source !== source) continue;
      const snapshot = readSnapshot(annotations, entry.digest);
      // A snapshot removed or edited by hand is skipped rather than restored as something else.
      if (!snapshot) continue;
      records.push({
        configKey, sourceId, digest: entry.digest, action: entry.action, actor: entry.actor,
        timestamp: new Date(entry.timestamp), size: entry.size, snapshot,
      });
      if (records.length === this.revisionLimit) break;
    }
    return records;
  }

  /** A fresh GET (never cached: spec 04 §9 step 6); a missing ConfigMap at runtime is an outage, not an empty store. */
  private async configMap(): Promise<V1ConfigMap> {
    let configMap: V1ConfigMap | null;
    try {
      configMap = await this.client.readConfigMap(this.settings.namespace, this.settings.name, API_TIMEOUT_MS);
    } catch (error) {
      throw this.unavailable(`cannot read ${this.label}: ${(error as Error).message}`);
    }
    if (!configMap) throw this.unavailable(`${this.label} not found; the k8s config store needs it to exist (it never creates it)`);
    return configMap;
  }

  /** A dry-run UPDATE of the ConfigMap as read: the API server authorizes it like a real one and stores nothing. */
  private async probeWritable(): Promise<boolean> {
    this.checkedAt = Date.now();
    try {
      const configMap = await this.client.readConfigMap(this.settings.namespace, this.settings.name, API_TIMEOUT_MS);
      if (configMap) {
        await this.client.replaceConfigMap(this.settings.namespace, configMap, API_TIMEOUT_MS, { dryRun: true });
        this.setForbidden(false);
      }
    } catch (error) {
      // 409 means the update got past authorization; anything but 403 says nothing about permissions.
      if (error instanceof KubeApiError && (error.status === 403 || error.status === 409)) this.setForbidden(error.status === 403);
      else this.log.warn({ configMap: this.label, err: (error as Error).message }, 'could not check whether the k8s config store is writable');
    }
    return !this.forbidden;
  }

  private setForbidden(forbidden: boolean): void {
    if (this.forbidden && !forbidden) this.log.info({ configMap: this.label }, 'k8s config store is writable again');
    this.forbidden = forbidden;
  }

  private writeFailure(error: unknown): Error {
    if (!(error instanceof KubeApiError)) return error as Error;
    switch (error.status) {
      case 409:
        return new StoreConflictError();
      case 403:
        this.checkedAt = Date.now();
        this.setForbidden(true);
        this.log.warn({ configMap: this.label, err: error.message }, 'k8s config store is read-only: the ConfigMap update was forbidden');
        return new ServiceUnavailableError('config store is read-only');
      case 413:
      case 422:
        return new UnprocessableEntityError(`the Kubernetes API rejected the configuration update: ${error.message}`);
      default:
        return this.unavailable(`cannot update ${this.label}: ${error.message}`);
    }
  }

  private unavailable(detail: string): StoreUnavailableError {
    this.log.warn({ configMap: this.label, err: detail }, 'k8s config store unavailable');
    return new StoreUnavailableError(detail);
  }
}

function sourceKey(namespace: string, configKey: string, sourceId: string): string {
  return `${namespace}/${configKey}/${sourceId}`;
}

function snapshotAnnotation(digest: string): string {
  return `${SNAPSHOT_ANNOTATION_PREFIX}${digest.slice(0, 8)}`;
}

/** The index as stored; entries someone broke by hand are dropped (they cannot be restored anyway). */
function readIndex(annotations: Record<string, string>): IndexEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotations[INDEX_ANNOTATION] ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((entry): entry is IndexEntry => {
    const e = entry as Partial<IndexEntry> | null;
    return typeof e === 'object' && e !== null && typeof e.source === 'string' && typeof e.digest === 'string' && /^[0-9a-f]{64}$/.test(e.digest)
      && typeof e.timestamp === 'string' && !Number.isNaN(Date.parse(e.timestamp)) && typeof e.size === 'number'
      && ACTIONS.includes(e.action as RevisionAction) && typeof e.actor === 'string';
  });
}

/** The snapshot of a digest, only when it still hashes to that digest (the annotation is keyed by 8 hex only). */
function readSnapshot(annotations: Record<string, string>, digest: string): SourceSnapshot | undefined {
  const text = annotations[snapshotAnnotation(digest)];
  if (text === undefined) return undefined;
  try {
    const value = parse(text) as SourceSnapshot | null;
    if (typeof value !== 'object' || value === null || typeof value.properties !== 'object' || value.properties === null) return undefined;
    const snapshot = sourceSnapshot(value);
    return sourceVersion(snapshot) === digest ? snapshot : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The annotations after recording `additions` (spec 04 §8.4): the index gains the new entries,
 * keeps at most `limit` per source and, while all annotations together exceed 200 KiB, loses its
 * oldest entries across sources; snapshot annotations no longer referenced are removed, others'
 * annotations are kept as they are.
 *
 * Reconcile runs on every replica, so two replicas may record the same external change: an `import`
 * for a source that already has history, or an `external` revision equal to the source's newest
 * one, is already recorded and skipped.
 */
export function withRevisions(
  annotations: Record<string, string>,
  namespace: string,
  additions: readonly RevisionRecord[],
  limit: number,
): Record<string, string> {
  const snapshots = new Map<string, string>();
  let index = readIndex(annotations).filter((entry) => {
    const text = annotations[snapshotAnnotation(entry.digest)];
    if (text !== undefined) snapshots.set(snapshotAnnotation(entry.digest), text);
    return text !== undefined;
  });
  for (const revision of [...additions].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())) {
    const source = sourceKey(namespace, revision.configKey, revision.sourceId);
    const newest = index.find((entry) => entry.source === source);
    if ((revision.action === 'import' && newest) || (revision.action === 'external' && newest?.digest === revision.digest)) continue;
    const text = stringify(revision.snapshot);
    snapshots.set(snapshotAnnotation(revision.digest), text);
    index.unshift({
      source, version: revision.digest.slice(0, 8), digest: revision.digest, timestamp: revision.timestamp.toISOString(),
      size: Buffer.byteLength(text), action: revision.action, actor: revision.actor,
    });
  }
  // Newest first whatever order other writers left; stable, so same-millisecond entries keep theirs.
  index.sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp));
  const perSource = new Map<string, number>();
  index = index.filter((entry) => {
    const count = (perSource.get(entry.source) ?? 0) + 1;
    perSource.set(entry.source, count);
    return count <= limit;
  });
  const foreign = Object.fromEntries(
    Object.entries(annotations).filter(([name]) => name !== INDEX_ANNOTATION && !name.startsWith(SNAPSHOT_ANNOTATION_PREFIX)),
  );
  const build = (entries: IndexEntry[]): Record<string, string> => {
    const result: Record<string, string> = { ...foreign };
    for (const entry of entries) result[snapshotAnnotation(entry.digest)] = snapshots.get(snapshotAnnotation(entry.digest))!;
    if (entries.length > 0) result[INDEX_ANNOTATION] = JSON.stringify(entries);
    return result;
  };
  let result = build(index);
  while (index.length > 0 && annotationBytes(result) > K8S_MAX_ANNOTATION_BYTES) {
    index = index.slice(0, -1);
    result = build(index);
  }
  return result;
}

/** What Kubernetes counts against its annotation limit: every key and value. */
function annotationBytes(annotations: Record<string, string>): number {
  return Object.entries(annotations).reduce((total, [name, value]) => total + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
}
