import type { Kysely } from 'kysely';
import type { ConfigStoreMode } from '../../config/serverConfig.js';
import type { Database } from '../../db/schema.js';
import type { SourceSnapshot } from '../sourceDigests.js';

export type RevisionAction = 'import' | 'apply' | 'enable' | 'disable' | 'rollback' | 'external';

/** One recorded configuration of one source (spec 04 §4.5, §10). */
export interface RevisionRecord {
  /** The plugin's config key (section of the namespace document). */
  configKey: string;
  sourceId: string;
  /** 64 hex: `sourceVersion(snapshot)`. */
  digest: string;
  action: RevisionAction;
  actor: string;
  timestamp: Date;
  /** Byte length of the stored snapshot. */
  size: number;
  snapshot: SourceSnapshot;
}

/** A namespace document as read from the store; `version` is the SHA-256 of its stored bytes (04 §8.1). */
export interface StoredDocument {
  text: string;
  version: string;
}

export interface SaveRequest {
  namespace: string;
  /** The version read at step 6 of the mutation protocol (04 §9); `null` when there was no document. */
  expectedVersion: string | null;
  text: string;
  /** Written with the document, atomically where the store can (same transaction, same ConfigMap update). */
  revisions: RevisionRecord[];
  /** Runs inside the store's write transaction (db store only), e.g. to commit the audit event with the change. */
  withinTransaction?: (trx: Kysely<Database>) => Promise<void>;
}

/**
 * Where namespace documents and source revisions live (spec 04 §8). Implementations: file, db, none;
 * a ConfigMap-backed k8s store fits the same shape (read = GET the ConfigMap and hash the data key;
 * save = compare the hash, then UPDATE with the resourceVersion read, snapshots and the revision
 * index travelling as annotations in that same UPDATE; a Kubernetes 409 is a StoreConflictError).
 */
export interface ConfigStore {
  readonly mode: ConfigStoreMode;
  /** A read-only store serves reads; every mutation answers 503 before any change (04 §8.7). Checked before each mutation. */
  writable(): Promise<boolean>;
  /** `none` keeps no revisions (04 §8.6). */
  readonly keepsRevisions: boolean;
  /** Namespaces that have a document. */
  namespaces(): Promise<string[]>;
  /** A fresh read (never a cache); `undefined` when the namespace has no document yet. */
  read(namespace: string): Promise<StoredDocument | undefined>;
  /**
   * Compare-and-swap: under the store's own lock, re-read the document, throw StoreConflictError when
   * its version is not `expectedVersion`, else write the revisions and the new document.
   */
  save(request: SaveRequest): Promise<StoredDocument>;
  /** Newest first, at most `CATALOG_REVISION_LIMIT`. */
  revisions(namespace: string, configKey: string, sourceId: string): Promise<RevisionRecord[]>;
}

/** The document changed since it was read (another writer, another replica, or an edit by hand). */
export class StoreConflictError extends Error {
  constructor() {
    super('config was modified externally, retry the operation');
  }
}
