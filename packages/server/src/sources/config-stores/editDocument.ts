import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document } from 'yaml';
import type { SourceSnapshot } from '../sourceDigests.js';

const EMPTY_DOCUMENT = 'apiVersion: catalog/v1alpha1\nkind: CatalogSources\ncatalogs: {}\n';

/**
 * Edits one source entry of a namespace document through the YAML Document API, so comments, key
 * order and the other sources survive a save (spec 04 §8.3); only the changed entry is rewritten.
 * `snapshot` undefined removes the entry. A new entry is appended to its section (source order).
 */
export function editSourceEntry(text: string, configKey: string, sourceId: string, snapshot: SourceSnapshot | undefined): string {
  const document = parseDocument(text.trim() === '' ? EMPTY_DOCUMENT : text);
  const sources = sourcesList(document, configKey, snapshot !== undefined);
  if (sources === undefined) return document.toString();
  const index = sources.items.findIndex((item) => isMap(item) && item.get('id') === sourceId);
  if (snapshot === undefined) {
    if (index >= 0) sources.items.splice(index, 1);
  } else {
    const node = document.createNode(entryOf(snapshot));
    if (index >= 0) sources.items[index] = node;
    else sources.items.push(node);
  }
  return document.toString();
}

/** The entry as written in the file: `enabled` and empty lists kept explicit so a reader sees the whole state. */
function entryOf(snapshot: SourceSnapshot): Record<string, unknown> {
  return {
    id: snapshot.id,
    name: snapshot.name,
    type: snapshot.type,
    enabled: snapshot.enabled,
    ...(snapshot.labels.length > 0 ? { labels: snapshot.labels } : {}),
    properties: snapshot.properties,
    ...(snapshot.includedItems.length > 0 ? { includedItems: snapshot.includedItems } : {}),
    ...(snapshot.excludedItems.length > 0 ? { excludedItems: snapshot.excludedItems } : {}),
  };
}

function sourcesList(document: Document, configKey: string, create: boolean): YAMLSeq | undefined {
  const catalogs = child(document.get('catalogs', true), create, () => document.set('catalogs', new YAMLMap()), () => document.get('catalogs', true), isMap);
  if (!catalogs) return undefined;
  const section = child(catalogs.get(configKey, true), create, () => catalogs.set(configKey, new YAMLMap()), () => catalogs.get(configKey, true), isMap);
  if (!section) return undefined;
  return child(section.get('sources', true), create, () => section.set('sources', new YAMLSeq()), () => section.get('sources', true), isSeq);
}

/** The node when it has the wanted shape; else, when creating, a new one put in its place. */
function child<T>(node: unknown, create: boolean, put: () => void, reread: () => unknown, is: (n: unknown) => n is T): T | undefined {
  if (is(node)) return node;
  if (!create) return undefined;
  put();
  const created = reread();
  return is(created) ? created : undefined;
}
