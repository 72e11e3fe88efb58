import type { SourceConfig } from '../config/sourcesDocument.js';

export interface FetchContext {
  /** Directory of the sources file: the base of relative paths in every source (spec 01 §4). */
  baseDir: string;
  dataRoots: readonly string[];
  maxBytes: number;
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

export type Provider = (source: SourceConfig, ctx: FetchContext) => Promise<FetchedDocument>;
