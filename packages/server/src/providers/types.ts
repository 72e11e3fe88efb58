import type { SourceConfig } from '../config/sourcesDocument.js';

export interface FetchContext {
  /** Directory of the sources file: the base of relative paths in every source (spec 01 §4). */
  baseDir: string;
  dataRoots: readonly string[];
  /** Per-document size limit (`CATALOG_MAX_SOURCE_BYTES`). */
  maxBytes: number;
}

/** Where a provider may keep working files (git clones): `<workDir>/<namespace>/<plugin>/<sourceId>/`. */
export interface SourceLocation {
  namespace: string;
  plugin: string;
  sourceId: string;
}

export interface ProviderRequest {
  source: SourceConfig;
  location: SourceLocation;
  /**
   * What the last successful fetch of this source returned as `state` (an HTTP ETag, a git commit),
   * for conditional fetches; absent on the first fetch or after a configuration change.
   */
  previousState?: Record<string, unknown>;
  /** Set by forced refreshes: fetch even when the provider thinks nothing changed. */
  force: boolean;
  /** Aborted when the refresh times out; a provider stops its pending requests. */
  signal?: AbortSignal;
}

/** One document as fetched by a provider, with the provenance of this fetch (spec 04 §14.5). */
export interface FetchedDocument {
  /** How error items name the document: the configured path, `<inline>`, a repository path or a URL. */
  file: string;
  text: string;
  /** SHA-256 hex of the document bytes. */
  digest: string;
  provenance: Record<string, unknown>;
}

export type FetchResult =
  /** The provider knows nothing changed since `previousState` (HTTP 304, same git commit). */
  | { unchanged: true }
  | {
      unchanged?: false;
      documents: FetchedDocument[];
      /** Per-file failures of multi-file sources (git): counted as rejected, the other files load. */
      failedDocuments?: FailedDocument[];
      /** Entries of a remote catalog (hf) that could not be fetched: reported like rejected entries, without a position. */
      failedItems?: FailedItem[];
      /**
       * Name globs (02 §2.5) whose stored entities stay when absent from `documents`: entries that failed
       * transiently keep their previous version instead of being deleted (03 §14.7).
       */
      keep?: string[];
      /** Facts the refresh summary states, e.g. a `maxModels` cap that was reached. */
      notices?: string[];
      /** Kept and handed back as `previousState` next time. */
      state?: Record<string, unknown>;
    };

export interface FailedDocument {
  file: string;
  message: string;
  line?: number;
  column?: number;
}

export interface FailedItem {
  /** `hf://<id>` for a model, the pattern for a failed expansion. */
  file: string;
  /** The model id, or the pattern. */
  name: string;
  message: string;
}

export interface Provider {
  readonly type: string;
  fetch(request: ProviderRequest): Promise<FetchResult>;
  /**
   * The include/exclude patterns entries are filtered with, when the provider derives them from
   * its properties (hf `allowedOrganization`, legacy `excludedModels`); the source's own lists otherwise.
   */
  filters?(source: SourceConfig): { includedItems: string[]; excludedItems: string[] };
}
