import { sha256Hex } from '../../ingest/digest.js';
import { StoreConflictError, type ConfigStore, type RevisionRecord, type SaveRequest, type StoredDocument } from './ConfigStore.js';

/**
 * The `none` store (spec 04 §8.6): the documents read at startup, then memory only; mutations are
 * lost on restart and no revisions are kept.
 */
export class NoneConfigStore implements ConfigStore {
  readonly mode = 'none' as const;
  readonly keepsRevisions = false;
  private readonly documents = new Map<string, string>();

  constructor(initial: ReadonlyMap<string, string>) {
    for (const [namespace, text] of initial) this.documents.set(namespace, text);
  }

  async writable(): Promise<boolean> {
    return true;
  }

  async namespaces(): Promise<string[]> {
    return [...this.documents.keys()].sort();
  }

  async read(namespace: string): Promise<StoredDocument | undefined> {
    const text = this.documents.get(namespace);
    return text === undefined ? undefined : { text, version: sha256Hex(text) };
  }

  async save(request: SaveRequest): Promise<StoredDocument> {
    const current = this.documents.get(request.namespace);
    if ((current === undefined ? null : sha256Hex(current)) !== request.expectedVersion) throw new StoreConflictError();
    this.documents.set(request.namespace, request.text);
    return { text: request.text, version: sha256Hex(request.text) };
  }

  async revisions(): Promise<RevisionRecord[]> {
    return [];
  }
}
