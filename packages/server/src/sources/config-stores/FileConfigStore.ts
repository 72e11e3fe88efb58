import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { MAX_SOURCES_FILE_BYTES } from '../../config/sourcesDocument.js';
import { sha256Hex } from '../../ingest/digest.js';
import { DEFAULT_NAMESPACE } from '../../tenancy/resolveNamespace.js';
import type { SourceSnapshot } from '../sourceDigests.js';
import { StoreConflictError, type ConfigStore, type RevisionAction, type RevisionRecord, type SaveRequest, type StoredDocument } from './ConfigStore.js';

const LOCK_STALE_MS = 30_000;
const LOCK_RETRY_MS = 25;
const LOCK_WAIT_MS = 10_000;
const SAFE_SEGMENT = /^[A-Za-z0-9_.-]{1,253}$/;

/**
 * The `file` store (spec 04 §8.3): namespace `default` is the `--sources` file, others
 * `<dir>/namespaces/<ns>/sources.yaml`; revisions are snapshot files under `<dir>/.history/`.
 * Saves run under `<dir>/.sources.lock` (O_EXCL, stale after 30 s), compare the file's hash with
 * the expected version, and replace the file by rename of a fsynced temporary file, so readers see
 * the old or the new document, never a partial one.
 */
export class FileConfigStore implements ConfigStore {
  readonly mode = 'file' as const;
  readonly keepsRevisions = true;
  readonly maxDocumentBytes = MAX_SOURCES_FILE_BYTES;
  private readonly dir: string;

  constructor(
    private readonly sourcesPath: string,
    private readonly revisionLimit: number,
  ) {
    this.dir = dirname(sourcesPath);
  }

  /** Whether the file and its directory can be written (04 §8.7); checked per mutation, so a `chmod` at runtime counts too. */
  async writable(): Promise<boolean> {
    return (await writable(this.sourcesPath)) && (await writable(this.dir));
  }

  pathOf(namespace: string): string {
    return namespace === DEFAULT_NAMESPACE ? this.sourcesPath : join(this.dir, 'namespaces', namespace, 'sources.yaml');
  }

  async namespaces(): Promise<string[]> {
    const names = [DEFAULT_NAMESPACE];
    const entries = await readdir(join(this.dir, 'namespaces'), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory() && entry.name !== DEFAULT_NAMESPACE && (await exists(join(this.dir, 'namespaces', entry.name, 'sources.yaml')))) {
        names.push(entry.name);
      }
    }
    return names.sort();
  }

  async read(namespace: string): Promise<StoredDocument | undefined> {
    const path = this.pathOf(namespace);
    let text: string;
    try {
      const info = await stat(path);
      if (info.size > MAX_SOURCES_FILE_BYTES) throw new Error(`${path} is larger than ${MAX_SOURCES_FILE_BYTES} bytes`);
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return { text, version: sha256Hex(text) };
  }

  async save(request: SaveRequest): Promise<StoredDocument> {
    const path = this.pathOf(request.namespace);
    await mkdir(dirname(path), { recursive: true });
    const release = await this.lock();
    try {
      const current = await this.read(request.namespace);
      if ((current?.version ?? null) !== request.expectedVersion) throw new StoreConflictError();
      for (const revision of request.revisions) await this.writeRevision(request.namespace, revision);
      await writeAtomically(path, request.text);
      return { text: request.text, version: sha256Hex(request.text) };
    } finally {
      await release();
    }
  }

  async revisions(namespace: string, configKey: string, sourceId: string): Promise<RevisionRecord[]> {
    const dir = this.historyDir(namespace, configKey, sourceId);
    if (dir === undefined) return [];
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.yaml')).sort().reverse();
    const records: RevisionRecord[] = [];
    for (const file of files.slice(0, this.revisionLimit)) {
      try {
        const text = await readFile(join(dir, file), 'utf8');
        const stored = parse(text) as { digest: string; action: RevisionAction; actor: string; timestamp: string; snapshot: SourceSnapshot };
        records.push({
          configKey, sourceId, digest: stored.digest, action: stored.action, actor: stored.actor,
          timestamp: new Date(stored.timestamp), size: Buffer.byteLength(stringify(stored.snapshot)), snapshot: stored.snapshot,
        });
      } catch {
        // A snapshot someone broke by hand is skipped rather than hiding the whole history.
      }
    }
    return records;
  }

  /**
   * `undefined` for names that are not plain path segments: a hand-written document may hold a source
   * id such as `../x` (reported as invalid), and a URL may name anything; neither may reach the disk.
   */
  private historyDir(namespace: string, configKey: string, sourceId: string): string | undefined {
    const parts = [namespace, configKey, sourceId];
    if (!parts.every((part) => SAFE_SEGMENT.test(part) && part !== '.' && part !== '..')) return undefined;
    return join(this.dir, '.history', ...parts);
  }

  private async writeRevision(namespace: string, revision: RevisionRecord): Promise<void> {
    const dir = this.historyDir(namespace, revision.configKey, revision.sourceId);
    if (dir === undefined) return;
    await mkdir(dir, { recursive: true });
    const existing = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
    // Millisecond names of two revisions written in the same millisecond must still sort in write order.
    let millis = revision.timestamp.getTime();
    const last = existing.at(-1);
    if (last !== undefined) millis = Math.max(millis, Number(last.split('_')[0]) + 1);
    const name = `${String(millis).padStart(13, '0')}_${revision.digest.slice(0, 8)}.yaml`;
    await writeAtomically(join(dir, name), stringify({
      digest: revision.digest, action: revision.action, actor: revision.actor,
      timestamp: revision.timestamp.toISOString(), snapshot: revision.snapshot,
    }));
    const all = [...existing, name];
    for (const old of all.slice(0, Math.max(0, all.length - this.revisionLimit))) await unlink(join(dir, old)).catch(() => undefined);
  }

  /** The store's own lock, shared with every process that edits this directory. */
  private async lock(): Promise<() => Promise<void>> {
    const path = join(this.dir, '.sources.lock');
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return () => rm(path, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const info = await stat(path).catch(() => undefined);
        if (info && Date.now() - info.mtimeMs > LOCK_STALE_MS) {
          await rm(path, { force: true });
          continue;
        }
        if (Date.now() > deadline) throw new StoreConflictError();
        await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
      }
    }
  }
}

/** Temporary file in the same directory, fsync, rename over the target, fsync the directory. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const temporary = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * Writable for this process, and not marked read-only: a file or directory without any write
 * permission bit counts as read-only even for root, who could otherwise write anyway (a ConfigMap
 * volume mounted read-only, or an operator's `chmod a-w`).
 */
async function writable(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK);
    return ((await stat(path)).mode & 0o222) !== 0;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
