import type { Kysely } from 'kysely';
import type { ConfigStoreMode } from '../../config/serverConfig.js';
import type { Database } from '../../db/schema.js';
import { ServiceUnavailableError } from '../../errors.js';
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
 * Where namespace documents and source revisions live (spec 04 §8): file, k8s (a ConfigMap), db, none.
 */
export interface ConfigStore {
  readonly mode: ConfigStoreMode;
  /** A read-only store serves reads; every mutation answers 503 before any change (04 §8.7). Checked before each mutation. */
  writable(): Promise<boolean>;
  /** `none` keeps no revisions (04 §8.6). */
  readonly keepsRevisions: boolean;
  /** Largest document a save may write (a bigger one answers 422); unlimited when absent. */
  readonly maxDocumentBytes?: number;
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

/**
 * The store cannot be reached or read (Kubernetes API down, ConfigMap deleted): 503 to clients with a
 * message that names no internals; `detail` goes to the log and to diagnostics.
 */
export class StoreUnavailableError extends ServiceUnavailableError {
  constructor(readonly detail: string) {
    super('config store is unavailable');
  }
}
