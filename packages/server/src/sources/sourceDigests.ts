import type { SourceConfig } from '../config/sourcesDocument.js';
import { canonicalJson, sha256Hex } from '../ingest/digest.js';

/** Digest of what decides a source's data (type, properties, globs): a refresh with the same one may skip. */
export function dataConfigDigest(source: Pick<SourceConfig, 'type' | 'properties' | 'includedItems' | 'excludedItems'>): string {
  return sha256Hex(canonicalJson({
    type: source.type, properties: source.properties, includedItems: source.includedItems, excludedItems: source.excludedItems,
  }));
}

/** One source's configuration as stored and recorded in revisions (spec 04 §10.1): references unresolved, no `content`. */
export type SourceSnapshot = Pick<SourceConfig, 'id' | 'name' | 'type' | 'enabled' | 'labels' | 'properties' | 'includedItems' | 'excludedItems'>;

export function sourceSnapshot(source: SourceSnapshot): SourceSnapshot {
  const { id, name, type, enabled, labels, properties, includedItems, excludedItems } = source;
  return { id, name, type, enabled, labels, properties, includedItems, excludedItems };
}

/** `SourceInfo.version` and the revision digest: SHA-256 of the canonical JSON of the snapshot (spec 04 §4.1, §10.1). */
export function sourceVersion(source: SourceSnapshot): string {
  return sha256Hex(canonicalJson(sourceSnapshot(source)));
}
