import type { SourceConfig } from '../config/sourcesDocument.js';
import { canonicalJson, sha256Hex } from '../ingest/digest.js';

/** Digest of what decides a source's data (type, properties, globs): a refresh with the same one may skip. */
export function dataConfigDigest(source: SourceConfig): string {
  return sha256Hex(canonicalJson({
    type: source.type, properties: source.properties, includedItems: source.includedItems, excludedItems: source.excludedItems,
  }));
}

/** `SourceInfo.version`: digest of the whole configuration snapshot of the source (spec 04 §4.1). */
export function sourceVersion(source: SourceConfig): string {
  const { line: _line, problems: _problems, ...configuration } = source;
  return sha256Hex(canonicalJson(configuration));
}
