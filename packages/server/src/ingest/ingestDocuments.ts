import type { ChildCollectionDecl } from '@catalog/framework';
import { extractLinks } from '../framework/links.js';
import type { KindRuntime } from '../framework/PluginRegistry.js';
import { prepareEntity, type EntityToApply, type PreparedEntity } from '../sources/applyEntities.js';
import { parseSourceDocument } from './parseDocument.js';
import { validateEntries, type IngestError } from './validateEntries.js';

/** What one refresh hands to ingest: the fetched documents and the source's settings that shape the result. */
export interface IngestInput {
  documents: readonly { file: string; text: string; provenance: Record<string, unknown> }[];
  /** Documents the provider could not read, and entries a remote catalog could not fetch: each a rejection. */
  failedDocuments: readonly { file: string; message: string; line?: number; column?: number }[];
  failedItems: readonly { file: string; name: string; message: string }[];
  includedItems: readonly string[];
  excludedItems: readonly string[];
  maxBytes: number;
  maxItemsPerSource: number;
}

export interface IngestOutput {
  /** Accepted entities per kind, ready to apply; every kind of the plugin is present. */
  perKind: [kind: string, entities: PreparedEntity[]][];
  /** The rejections to report, in document order (validation keeps at most 100 per document). */
  rejections: IngestError[];
  /** All rejected entries, including those beyond the reported ones. */
  rejectedCount: number;
}

/** An ingest failure of a whole refresh (document-level error, every entry rejected, too many entries). */
export class IngestFailure extends Error {}

/**
 * Parses and validates every document and prepares the accepted entities. A single-document source
 * fails as a whole on a document-level error. In a multi-file source (git) a broken file counts as one
 * rejection and the other files load, and a file without the kind's key is skipped (one repository may
 * hold several catalogs); only when no file loads does the refresh fail.
 *
 * Pure and synchronous: the worker threads of IngestWorkerPool run it off the request thread.
 */
export function ingestDocuments(kinds: readonly Pick<KindRuntime, 'decl' | 'yamlKey'>[], input: IngestInput): IngestOutput {
  const { documents, failedDocuments, failedItems } = input;
  const perKind = new Map<string, PreparedEntity[]>(kinds.map((k) => [k.decl.kind, []]));
  const seenNames = new Map(kinds.map((k) => [k.decl.kind, new Map()]));
  const multiFile = documents.length + failedDocuments.length > 1;
  const output: IngestOutput = { perKind: [], rejections: [], rejectedCount: 0 };
  const reject = (item: IngestError) => {
    output.rejectedCount += 1;
    output.rejections.push(item);
  };
  for (const failed of failedDocuments) reject({ file: failed.file, line: failed.line ?? 1, column: failed.column ?? 1, path: '', message: failed.message });
  for (const failed of failedItems) reject({ file: failed.file, path: '', name: failed.name, message: failed.message });
  let documentsLoaded = 0;
  let accepted = 0;
  for (const document of documents) {
    let hasKey = false;
    const provenance = JSON.stringify(document.provenance);
    for (const kind of kinds) {
      const parsed = parseSourceDocument(document.text, { file: document.file, maxBytes: input.maxBytes, yamlKey: kind.yamlKey });
      if (!parsed.ok) {
        if (parsed.error.missingKey && (multiFile || kinds.length > 1)) continue;
        if (!multiFile) throw new IngestFailure(describeDocumentError(document.file, parsed.error));
        reject({ file: document.file, line: parsed.error.line ?? 1, column: parsed.error.column ?? 1, path: '', message: parsed.error.message });
        break;
      }
      hasKey = true;
      const result = validateEntries(kind.decl, parsed.entries, {
        file: document.file, yamlKey: kind.yamlKey, includedItems: input.includedItems, excludedItems: input.excludedItems,
        seenNames: seenNames.get(kind.decl.kind),
      });
      output.rejectedCount += result.rejectedCount - Math.min(result.rejectedCount, result.ingestErrors.length);
      for (const item of result.ingestErrors) reject(item);
      const entities = perKind.get(kind.decl.kind)!;
      for (const entry of result.accepted) {
        const entity = { ...splitChildren(kind.decl.children, entry.doc), name: entry.name, provenance: document.provenance, links: extractLinks(kind.decl.references, entry.doc) };
        entities.push(prepareEntity(entity, provenance));
      }
      accepted += result.accepted.length;
    }
    if (hasKey) documentsLoaded++;
  }
  if (documentsLoaded === 0) {
    throw new IngestFailure(output.rejectedCount > 0 ? `no file of the source could be loaded (${output.rejectedCount} rejected)` : `${documents[0]?.file ?? 'document'}: no entries found`);
  }
  if (accepted === 0 && output.rejectedCount > 0) {
    throw new IngestFailure(`all ${output.rejectedCount} entries were rejected`);
  }
  if (accepted > input.maxItemsPerSource) {
    throw new IngestFailure(`source produced more than ${input.maxItemsPerSource} entities`);
  }
  output.perKind = [...perKind];
  return output;
}

/**
 * Takes a kind's child collection out of the validated entry: the entity is stored and served without
 * it, its items become child rows identified by their identity field or, lacking one, their position.
 */
export function splitChildren(decl: ChildCollectionDecl | undefined, doc: Record<string, unknown>): Pick<EntityToApply, 'doc' | 'children'> {
  // An entry without the field has no children (any stored earlier are deleted).
  if (!decl) return { doc };
  const { [decl.field]: list, ...rest } = doc;
  const items = (Array.isArray(list) ? list : []).map((item: Record<string, unknown>, index) => {
    const identity = decl.identityField !== undefined ? item[decl.identityField] : undefined;
    const name = typeof identity === 'string' ? identity : null;
    return { identity: name !== null ? `=${name}` : `#${index}`, name, doc: item };
  });
  return { doc: rest, children: { collection: decl.field, items } };
}

function describeDocumentError(file: string, error: { message: string; line?: number; column?: number }): string {
  const at = error.line !== undefined ? ` at line ${error.line}${error.column !== undefined ? `, column ${error.column}` : ''}` : '';
  return `${file}${at}: ${error.message}`;
}
