import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { parseSourcesDocument } from '../../config/sourcesDocument.js';
import { sha256Hex } from '../../ingest/digest.js';
import { sourceVersion, type SourceSnapshot } from '../sourceDigests.js';
import { StoreConflictError, type RevisionRecord } from './ConfigStore.js';
import { editSourceEntry } from './editDocument.js';
import { FileConfigStore } from './FileConfigStore.js';

const DOCUMENT = `# team sources
catalogs:
  mcp:
    sources:
      - id: one # first
        name: One
        type: yaml
        properties: {yamlCatalogPath: one.yaml}
      - id: two
        name: Two
        type: yaml
        properties: {yamlCatalogPath: two.yaml}
  skills:
    sources: []
`;

function snapshot(id: string, name: string): SourceSnapshot {
  return { id, name, type: 'yaml', enabled: true, labels: [], properties: { yamlCatalogPath: `${id}.yaml` }, includedItems: [], excludedItems: [] };
}

function revision(snap: SourceSnapshot, at: number): RevisionRecord {
  return { configKey: 'mcp', sourceId: snap.id, digest: sourceVersion(snap), action: 'apply', actor: 'alice', timestamp: new Date(at), size: 10, snapshot: snap };
}

describe('editSourceEntry', () => {
  test('replaces one entry and keeps comments, order and the other sources', () => {
    const edited = editSourceEntry(DOCUMENT, 'mcp', 'two', snapshot('two', 'Two renamed'));
    assert.ok(edited.startsWith('# team sources\n'));
    assert.ok(edited.includes('- id: one # first'));
    const parsed = parseSourcesDocument(edited, 'sources.yaml');
    assert.deepEqual(parsed.catalogs.mcp.sources.map((s) => `${s.id}:${s.name}`), ['one:One', 'two:Two renamed']);
    assert.deepEqual(parsed.catalogs.skills.sources, []);
  });

  test('appends new sources, creates missing sections, removes entries', () => {
    const added = editSourceEntry(DOCUMENT, 'agents', 'new', snapshot('new', 'New'));
    assert.deepEqual(parseSourcesDocument(added, 's').catalogs.agents.sources.map((s) => s.id), ['new']);
    const appended = editSourceEntry(DOCUMENT, 'mcp', 'three', snapshot('three', 'Three'));
    assert.deepEqual(parseSourcesDocument(appended, 's').catalogs.mcp.sources.map((s) => s.id), ['one', 'two', 'three']);
    const removed = editSourceEntry(DOCUMENT, 'mcp', 'one', undefined);
    assert.deepEqual(parseSourcesDocument(removed, 's').catalogs.mcp.sources.map((s) => s.id), ['two']);
    const fromEmpty = editSourceEntry('', 'mcp', 'x', snapshot('x', 'X'));
    assert.deepEqual(parseSourcesDocument(fromEmpty, 's').catalogs.mcp.sources.map((s) => s.id), ['x']);
  });
});

describe('FileConfigStore', () => {
  let dir: string;
  let store: FileConfigStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-store-'));
    writeFileSync(join(dir, 'sources.yaml'), DOCUMENT);
    store = new FileConfigStore(join(dir, 'sources.yaml'), 3);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('reads the version as the hash of the bytes and saves by compare-and-swap', async () => {
    const current = (await store.read('default'))!;
    assert.equal(current.version, sha256Hex(DOCUMENT));
    const next = editSourceEntry(current.text, 'mcp', 'one', snapshot('one', 'Uno'));
    const saved = await store.save({ namespace: 'default', expectedVersion: current.version, text: next, revisions: [] });
    assert.equal(saved.version, sha256Hex(next));
    assert.equal(readFileSync(join(dir, 'sources.yaml'), 'utf8'), next);
    await assert.rejects(store.save({ namespace: 'default', expectedVersion: current.version, text: DOCUMENT, revisions: [] }), StoreConflictError);
    assert.equal(readFileSync(join(dir, 'sources.yaml'), 'utf8'), next, 'a lost race writes nothing');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f === '.sources.lock'), []);
  });

  test('other namespaces live under namespaces/<ns>/ and are created on first write', async () => {
    assert.equal(await store.read('team-a'), undefined);
    await store.save({ namespace: 'team-a', expectedVersion: null, text: 'catalogs: {}\n', revisions: [] });
    assert.equal(readFileSync(join(dir, 'namespaces', 'team-a', 'sources.yaml'), 'utf8'), 'catalogs: {}\n');
    assert.deepEqual(await store.namespaces(), ['default', 'team-a']);
  });

  test('keeps the newest revisions per source as history files, newest first', async () => {
    const current = (await store.read('default'))!;
    const names = ['A', 'B', 'C', 'D'];
    await store.save({ namespace: 'default', expectedVersion: current.version, text: current.text, revisions: names.map((n, i) => revision(snapshot('one', n), 1000 + i)) });
    const history = await store.revisions('default', 'mcp', 'one');
    assert.deepEqual(history.map((r) => r.snapshot.name), ['D', 'C', 'B']);
    assert.equal(readdirSync(join(dir, '.history', 'default', 'mcp', 'one')).length, 3);
    assert.deepEqual(await store.revisions('default', 'mcp', 'two'), []);
  });

  test('source ids that are not plain path segments never reach the history directory', async () => {
    const current = (await store.read('default'))!;
    const hostile = snapshot('../../escape', 'Hostile');
    await store.save({ namespace: 'default', expectedVersion: current.version, text: current.text, revisions: [revision(hostile, 1)] });
    assert.deepEqual(await store.revisions('default', 'mcp', '../../escape'), []);
    assert.deepEqual(await store.revisions('default', '..', '..'), []);
    assert.deepEqual(readdirSync(dir).filter((f) => f === 'escape'), []);
  });

  test('waits for the lock of another writer and takes over a stale one', async () => {
    const lock = join(dir, '.sources.lock');
    writeFileSync(lock, '1\n');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const current = (await store.read('default'))!;
    await store.save({ namespace: 'default', expectedVersion: current.version, text: current.text, revisions: [] });
    assert.deepEqual(readdirSync(dir).filter((f) => f === '.sources.lock'), []);
  });

  test('a file without write permission bits is read-only', async () => {
    assert.equal(await store.writable(), true);
    chmodSync(join(dir, 'sources.yaml'), 0o444);
    assert.equal(await store.writable(), false);
  });
});
