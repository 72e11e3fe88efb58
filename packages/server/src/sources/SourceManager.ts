import type { Kysely } from 'kysely';
import type { BaseLogger } from 'pino';
import type { DataVersions } from '../cache/DataVersions.js';
import { parseSourcesDocument, type SourceConfig, type SourcesDocument } from '../config/sourcesDocument.js';
import type { Database } from '../db/schema.js';
import { AppError, BadRequestError, ConflictError, NotFoundError, ServiceUnavailableError } from '../errors.js';
import type { PluginRegistry, RegisteredPlugin } from '../framework/PluginRegistry.js';
import type { Leadership } from '../ha/Leadership.js';
import { resolveInsideDataRoots } from '../providers/dataRoots.js';
import { readFile } from 'node:fs/promises';
import { StoreConflictError, StoreUnavailableError, type ConfigStore, type RevisionAction, type RevisionRecord } from './config-stores/ConfigStore.js';
import { editSourceEntry } from './config-stores/editDocument.js';
import type { ManagedContents } from './ManagedContents.js';
import type { SourceCatalog } from './SourceCatalog.js';
import { sourceSnapshot, sourceVersion, type SourceSnapshot } from './sourceDigests.js';
import type { RefreshService } from './RefreshService.js';
import { removeSourceEntities, type AfterApplyHooks } from './sourceEffects.js';
import type { RefreshOutcome } from './SourceRefresher.js';
import { prepareSource, type DetailedValidationResult, type SourceValidatorDeps } from './validation/validateSource.js';

/** Called once per source that reconcile found changed outside the API (the audit recorder writes `config.external_change`). */
export type ExternalChangeListener = (change: { namespace: string; plugin: string; sourceId: string; revision: string | null }) => void | Promise<void>;

export interface SourceManagerDeps {
  store: ConfigStore;
  catalog: SourceCatalog;
  registry: PluginRegistry;
  contents: ManagedContents;
  database: { readonly db: Kysely<Database> };
  validation: SourceValidatorDeps;
  /** The one refresh entry point (04 §13.7); these refreshes bypass the rate limit. */
  refreshes: RefreshService;
  /** The same hooks the refresher runs, for the transactions that delete a source's entities. */
  afterApply: AfterApplyHooks;
  versions: DataVersions;
  log: BaseLogger;
  /** Label of the documents in error messages (the `--sources` path). */
  documentLabel: string;
  onExternalChange?: ExternalChangeListener;
  /**
   * Whether this replica runs reconcile writes (04 §8.8 step 2: revisions, refreshes, entity
   * removal, external-change events): the leader with leader election on, every replica without.
   */
  leadership: Leadership;
  /** Called once a configuration write of `namespace` has been stored (other replicas reconcile at once, 05 §7.1). */
  onConfigChanged?: (change: ApiConfigChange) => void;
  /**
   * How long a removal that reconcile found unannounced waits for another replica's announcement
   * before it counts as an external change; 0 where no other replica announces (PGlite).
   */
  announcementGraceMs?: number;
}

/** Who asks and under which precondition (spec 04 §9 step 7). */
export interface MutationContext {
  namespace: string;
  plugin: RegisteredPlugin;
  actor: string;
  /** `If-Match` (quotes stripped) or `expectedVersion`. */
  precondition?: string;
  /** Runs inside the store's write transaction (db store): the audit event commits with the change. */
  withinTransaction?: (trx: Kysely<Database>) => Promise<void>;
}

/** A configuration write made through the API, as one replica announces it to the others (05 §7.1). */
export interface ApiConfigChange {
  namespace: string;
  plugin: string;
  sourceId: string;
  /** The source is gone from the document (delete). */
  removed: boolean;
}

export interface MutationOutcome {
  before?: SourceSnapshot;
  after?: SourceSnapshot;
  /** The configuration changed (a revision was recorded where the store keeps them). */
  changed: boolean;
  refresh?: RefreshOutcome;
  /** Work the caller starts once its response is built (apply with `refreshAfterApply: false`). */
  background?: () => Promise<void>;
}

export interface RollbackOutcome extends MutationOutcome {
  after: SourceSnapshot;
}

const HEX = /^[0-9a-f]+$/;
/** How long a removal reconcile found unannounced waits for an announcement (PostgreSQL notifications arrive within milliseconds). */
export const ANNOUNCEMENT_GRACE_MS = 2_000;
/** How long an announced removal is remembered: far longer than a notification takes to arrive. */
const ANNOUNCEMENT_MEMORY_MS = 30_000;
const IMPORT_OFFSET_MS = 1;
/** Saves a mutation tries before a namespace document that keeps changing under it answers 409 (about 2 s of pauses on average). */
export const SAVE_ATTEMPTS = 10;
const SAVE_RETRY_BASE_MS = 25;

/**
 * Source configuration writes (spec 04 §5.4–5.8, §9, §10, §8.8): apply, enable, delete and rollback
 * through one mutation protocol — validate, check the store is writable, lock the namespace, re-read
 * the document, check the precondition and unseen external changes (409), compare-and-swap the
 * document with its revision snapshots, update the runtime view — then the effects (refresh or
 * entity deletion). Nothing reaches the runtime view or the data before the store accepted the write.
 */
export class SourceManager {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Version of the document each namespace's runtime view was built from. */
  private readonly runtimeVersions = new Map<string, string>();
  /** Latest config-store problem per namespace, for diagnostics. */
  private readonly storeErrors = new Map<string, { message: string; time: string }>();
  private reconciling: Promise<void> | undefined;
  /** Removals other replicas announced, by `namespace/plugin/sourceId`, with when the announcement arrived. */
  private readonly announcedRemovals = new Map<string, number>();
  /** Sources whose change this replica reconciled while following, by `namespace/plugin/sourceId`: converged should it lead. */
  private readonly followedChanges = new Map<string, { namespace: string; plugin: RegisteredPlugin; sourceId: string }>();
  private converging: Promise<void> | undefined;

  constructor(private readonly deps: SourceManagerDeps) {}

  get store(): ConfigStore {
    return this.deps.store;
  }

  /** Loads every namespace document into the runtime view (startup). */
  async loadAll(): Promise<Map<string, SourcesDocument>> {
    const documents = new Map<string, SourcesDocument>();
    for (const namespace of await this.deps.store.namespaces()) {
      const stored = await this.deps.store.read(namespace);
      if (!stored) continue;
      try {
        const document = parseSourcesDocument(stored.text, this.deps.documentLabel);
        documents.set(namespace, document);
        this.runtimeVersions.set(namespace, stored.version);
      } catch (error) {
        this.deps.log.error({ namespace, err: (error as Error).message }, 'stored source configuration is invalid; namespace skipped');
        this.recordStoreError(namespace, (error as Error).message);
      }
    }
    return documents;
  }

  storeError(namespace: string): { message: string; time: string } | undefined {
    return this.storeErrors.get(namespace);
  }

  /** The text a yaml source currently loads: its managed content, else its file when readable (spec 04 §7). */
  async currentContent(namespace: string, plugin: string, source: SourceSnapshot): Promise<string | undefined> {
    if (source.type !== 'yaml') return undefined;
    const { managedContent, content } = source.properties;
    if (typeof content === 'string') return content;
    if (typeof managedContent === 'string') return this.deps.contents.read({ namespace, plugin, sourceId: source.id }, managedContent);
    const path = source.properties.yamlCatalogPath ?? source.properties.path;
    if (typeof path !== 'string') return undefined;
    const ctx = this.deps.validation.fetchContext;
    try {
      const text = await readFile(await resolveInsideDataRoots(ctx.baseDir, path, ctx.dataRoots), 'utf8');
      return Buffer.byteLength(text) > ctx.maxBytes ? undefined : text;
    } catch {
      // Outside the roots, missing or unreadable: no content; the source status says why.
      return undefined;
    }
  }

  /** The full validation pipeline against the stored source with that id, without side effects. */
  async validate(namespace: string, plugin: RegisteredPlugin, body: Record<string, unknown>, urlId?: string) {
    const id = typeof body.id === 'string' ? body.id : urlId;
    const stored = id !== undefined ? this.find(namespace, plugin, id) : undefined;
    return prepareSource(body, {
      plugin, namespace, stored,
      currentContent: stored ? await this.currentContent(namespace, plugin.name, stored) : undefined,
      ...(urlId !== undefined ? { urlId } : {}),
    }, this.deps.validation);
  }

  async apply(ctx: MutationContext, body: Record<string, unknown>): Promise<MutationOutcome> {
    const prepared = await this.validate(ctx.namespace, ctx.plugin, body);
    if (!prepared.result.valid) throw validationFailed(prepared.result);
    await this.checkWritable();
    const snapshot = prepared.snapshot;
    if (prepared.content.kind === 'set') {
      snapshot.properties.managedContent = await this.deps.contents.store(
        { namespace: ctx.namespace, plugin: ctx.plugin.name, sourceId: snapshot.id }, prepared.content.text,
      );
    }
    const precondition = ctx.precondition ?? prepared.expectedVersion;
    const outcome = await this.mutate({ ...ctx, precondition }, snapshot.id, 'apply', () => snapshot);
    if (outcome.changed) await this.collectContents(ctx, snapshot.id);
    if (!snapshot.enabled) {
      await this.removeEntities(ctx, snapshot.id, 'disable');
    } else if (prepared.refreshAfterApply) {
      outcome.refresh = await this.refresh(ctx, snapshot.id);
    } else {
      outcome.background = async () => {
        await this.refresh(ctx, snapshot.id).catch((error: Error) => this.deps.log.error({ err: error }, 'background refresh after apply failed'));
      };
    }
    return outcome;
  }

  async setEnabled(ctx: MutationContext, sourceId: string, enabled: boolean): Promise<MutationOutcome> {
    this.require(ctx, sourceId);
    await this.checkWritable();
    const outcome = await this.mutate(ctx, sourceId, enabled ? 'enable' : 'disable', (current) => {
      if (!current) throw sourceNotFound(sourceId);
      return { ...current, enabled };
    });
    outcome.refresh = await this.settleEntities(ctx, sourceId, { enabled });
    return outcome;
  }

  async remove(ctx: MutationContext, sourceId: string): Promise<MutationOutcome> {
    this.require(ctx, sourceId);
    await this.checkWritable();
    // Deleting records no revision: the history stays as it was, to undo the delete with rollback.
    const outcome = await this.mutate(ctx, sourceId, null, (current) => {
      if (!current) throw sourceNotFound(sourceId);
      return undefined;
    });
    await this.removeEntities(ctx, sourceId, 'delete');
    return outcome;
  }

  /** Revisions of one source, newest first, `current` marking the live configuration (spec 04 §5.7). */
  async revisions(namespace: string, plugin: RegisteredPlugin, sourceId: string) {
    const live = this.find(namespace, plugin, sourceId);
    const records = this.deps.store.keepsRevisions ? await this.deps.store.revisions(namespace, plugin.configKey, sourceId) : [];
    if (!live && records.length === 0 && this.deps.store.keepsRevisions) throw sourceNotFound(sourceId);
    const liveDigest = live ? sourceVersion(live) : undefined;
    let currentMarked = false;
    return records.map((record) => {
      const current = !currentMarked && record.digest === liveDigest;
      currentMarked ||= current;
      return {
        version: record.digest.slice(0, 8), digest: record.digest, timestamp: record.timestamp.toISOString(),
        size: record.size, action: record.action, actor: record.actor, current,
      };
    });
  }

  /** Restores one source's configuration from its history (spec 04 §5.8, §10.4). */
  async rollback(ctx: MutationContext, sourceId: string, version: unknown): Promise<RollbackOutcome> {
    if (!this.deps.store.keepsRevisions) throw new BadRequestError('no config store configured, rollback not available');
    if (version === undefined || version === null || version === '') throw new BadRequestError('version is required');
    if (typeof version !== 'string' || version.length < 8 || !HEX.test(version.toLowerCase())) {
      throw new BadRequestError('version must be at least 8 hexadecimal characters');
    }
    const prefix = version.toLowerCase();
    const records = await this.deps.store.revisions(ctx.namespace, ctx.plugin.configKey, sourceId);
    if (records.length === 0 && !this.find(ctx.namespace, ctx.plugin, sourceId)) throw sourceNotFound(sourceId);
    const digests = new Set(records.filter((r) => r.digest.startsWith(prefix)).map((r) => r.digest));
    if (digests.size > 1) throw new BadRequestError(`version "${version}" is ambiguous; use more characters`);
    const target = records.find((r) => r.digest.startsWith(prefix));
    if (!target) throw new NotFoundError(`revision "${version}" not found for source "${sourceId}"`);
    const stored = this.find(ctx.namespace, ctx.plugin, sourceId);
    const prepared = await prepareSource({ ...target.snapshot }, { plugin: ctx.plugin, namespace: ctx.namespace, stored, trusted: true }, this.deps.validation);
    if (!prepared.result.valid) throw validationFailed(prepared.result);
    await this.checkWritable();
    const snapshot = sourceSnapshot(target.snapshot);
    const outcome = await this.mutate(ctx, sourceId, 'rollback', () => snapshot);
    if (outcome.changed) await this.collectContents(ctx, sourceId);
    outcome.refresh = await this.settleEntities(ctx, sourceId, snapshot);
    return { ...outcome, after: snapshot };
  }

  find(namespace: string, plugin: RegisteredPlugin, sourceId: string): SourceConfig | undefined {
    return this.deps.catalog.sources(namespace, plugin.name).find((s) => s.id === sourceId);
  }

  /**
   * Picks up changes made to the store outside the API (spec 04 §8.8): reloads each namespace whose
   * document version differs from the runtime view, records `external` revisions, refreshes added or
   * changed enabled sources and deletes the entities of disabled or removed ones.
   */
  reconcile(): Promise<void> {
    this.reconciling ??= this.reconcileAll().finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  /**
   * Reconcile of one namespace, when another replica reports it changed its configuration (05 §7.1).
   * A removal leaves no revision to recognise it by, so the announcement itself marks it as an API
   * write rather than an external change.
   */
  async reconcileNamespaceNow(namespace: string, change?: ApiConfigChange): Promise<void> {
    if (change?.removed) this.noteAnnouncedRemoval(change);
    const effects = await this.withNamespaceLock(namespace, () => this.reconcileNamespace(namespace));
    for (const effect of effects) await effect();
  }

  private async reconcileAll(): Promise<void> {
    let storedNamespaces: string[];
    try {
      storedNamespaces = await this.deps.store.namespaces();
    } catch (error) {
      // The store is unreachable: every namespace keeps its runtime view (04 §8.4); diagnostics say why.
      for (const namespace of this.deps.catalog.namespaces()) this.storeUnavailable(namespace, error);
      return;
    }
    for (const namespace of new Set([...storedNamespaces, ...this.deps.catalog.namespaces()])) {
      let effects: (() => Promise<void>)[];
      try {
        effects = await this.withNamespaceLock(namespace, () => this.reconcileNamespace(namespace));
      } catch (error) {
        this.storeUnavailable(namespace, error);
        continue;
      }
      for (const effect of effects) await effect();
    }
    await this.convergeFollowedChanges();
  }

  /**
   * Once this replica leads, brings the entities of every source it saw change while following in
   * line with the runtime view: a leader that failed before acting on a change leaves it to the
   * next one. Refreshing a source the old leader already refreshed is cheap (digest check), and
   * removing entities twice removes nothing.
   */
  convergeFollowedChanges(): Promise<void> {
    if (this.followedChanges.size === 0 || !this.deps.leadership.runsSingletonTasks()) return Promise.resolve();
    this.converging ??= (async () => {
      const followed = [...this.followedChanges];
      this.followedChanges.clear();
      for (const [key, { namespace, plugin, sourceId }] of followed) {
        try {
          await this.settleEntities({ namespace, plugin }, sourceId, this.find(namespace, plugin, sourceId));
        } catch (error) {
          this.followedChanges.set(key, { namespace, plugin, sourceId });
          this.deps.log.error({ namespace, plugin: plugin.name, sourceId, err: error }, 'converging a reconciled change failed');
        }
      }
    })().finally(() => {
      this.converging = undefined;
    });
    return this.converging;
  }

  private async reconcileNamespace(namespace: string): Promise<(() => Promise<void>)[]> {
    const stored = await this.deps.store.read(namespace);
    if (!stored || stored.version === this.runtimeVersions.get(namespace)) {
      // The store answers and the runtime view is its document: an earlier outage is over.
      this.storeErrors.delete(namespace);
      return [];
    }
    let document: SourcesDocument;
    try {
      document = parseSourcesDocument(stored.text, this.deps.documentLabel);
    } catch (error) {
      // A broken edit keeps the previous runtime view (04 §8.3).
      this.deps.log.error({ namespace, err: (error as Error).message }, 'config store document is invalid; keeping the previous configuration');
      this.recordStoreError(namespace, (error as Error).message);
      return [];
    }
    this.storeErrors.delete(namespace);
    const writer = this.deps.leadership.runsSingletonTasks();
    const now = Date.now();
    const revisions: RevisionRecord[] = [];
    const changes: { plugin: RegisteredPlugin; sourceId: string; after?: SourceConfig; before?: SourceConfig; viaApi: boolean }[] = [];
    for (const plugin of this.deps.registry.list()) {
      const before = new Map(this.deps.catalog.sources(namespace, plugin.name).map((s) => [s.id, s]));
      const after = new Map((document.catalogs[plugin.configKey]?.sources ?? []).map((s) => [s.id, s]));
      for (const id of new Set([...before.keys(), ...after.keys()])) {
        const previous = before.get(id);
        const next = after.get(id);
        if (previous && next && sourceVersion(previous) === sourceVersion(next)) continue;
        const history = writer && next && this.deps.store.keepsRevisions && id !== '' ? await this.deps.store.revisions(namespace, plugin.configKey, id) : undefined;
        // A write made through the API of another replica already recorded its revision and audit event.
        const viaApi = next === undefined
          ? this.takeAnnouncedRemoval({ namespace, plugin: plugin.name, sourceId: id })
          : history !== undefined && history[0]?.digest === sourceVersion(next);
        changes.push({ plugin, sourceId: id, before: previous, after: next, viaApi });
        if (history && !viaApi) {
          if (history.length === 0 && previous) revisions.push(revisionOf(plugin, previous, 'import', 'system', new Date(now - IMPORT_OFFSET_MS)));
          revisions.push(revisionOf(plugin, next!, 'external', 'system', new Date(now)));
        }
      }
    }
    if (revisions.length > 0 && (await this.deps.store.writable())) {
      try {
        await this.deps.store.save({ namespace, expectedVersion: stored.version, text: stored.text, revisions });
      } catch (error) {
        if (error instanceof StoreConflictError) return []; // edited again meanwhile: the next pass sees the newest
        // History is lost, but the runtime view must still follow the configuration that was read.
        this.deps.log.warn({ namespace, err: storeErrorDetail(error) }, 'external change not recorded as revisions');
      }
    }
    this.deps.catalog.setNamespace(namespace, document);
    this.runtimeVersions.set(namespace, stored.version);
    this.deps.log.info({ namespace, changed: changes.map((c) => `${c.plugin.name}/${c.sourceId}`) }, 'configuration changed outside the API; reconciled');
    return changes.map((change) => async () => {
      const ctx = { namespace, plugin: change.plugin };
      if (!writer) {
        this.followChange(ctx, change.sourceId, change.after);
        return;
      }
      await this.settleEntities(ctx, change.sourceId, change.after);
      if (change.viaApi) return;
      if (!change.after && (await this.announcedWithinGrace({ namespace, plugin: change.plugin.name, sourceId: change.sourceId }))) return;
      await this.deps.onExternalChange?.({
        namespace, plugin: change.plugin.name, sourceId: change.sourceId, revision: change.after ? sourceVersion(change.after) : null,
      });
    });
  }

  /**
   * A follower leaves the writes to the leader (04 §8.8), but stops its own running refreshes of a
   * source that no longer loads, which would write after the leader removed its entities.
   */
  private followChange(ctx: { namespace: string; plugin: RegisteredPlugin }, sourceId: string, after: SourceConfig | undefined): void {
    const key = { namespace: ctx.namespace, plugin: ctx.plugin.name, sourceId };
    if (!after?.enabled) this.deps.refreshes.withdraw(after ? 'source disabled' : 'source deleted', key);
    this.followedChanges.set(sourceKey(key), { ...ctx, sourceId });
  }

  /**
   * A delete leaves no revision to recognise it by, so another replica's announcement marks it as an
   * API write. The announcement can arrive after this replica's own reconcile already saw the
   * removal (the store commits before the notification is delivered), so it is kept for a while.
   */
  private noteAnnouncedRemoval(change: ApiConfigChange): void {
    const now = Date.now();
    for (const [key, at] of this.announcedRemovals) {
      if (now - at > ANNOUNCEMENT_MEMORY_MS) this.announcedRemovals.delete(key);
    }
    this.announcedRemovals.set(sourceKey(change), now);
  }

  private takeAnnouncedRemoval(key: { namespace: string; plugin: string; sourceId: string }): boolean {
    const at = this.announcedRemovals.get(sourceKey(key));
    this.announcedRemovals.delete(sourceKey(key));
    return at !== undefined && Date.now() - at <= ANNOUNCEMENT_MEMORY_MS;
  }

  /** Waits the announcement grace for a removal found unannounced; true when an announcement arrived meanwhile. */
  private async announcedWithinGrace(key: { namespace: string; plugin: string; sourceId: string }): Promise<boolean> {
    const grace = this.deps.announcementGraceMs ?? 0;
    if (grace <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, grace));
    return this.takeAnnouncedRemoval(key);
  }

  /**
   * Steps 5–9 of the mutation protocol (spec 04 §9) for one source: `build` gets the freshly read
   * source and returns its new snapshot (`undefined` removes it). Returns without writing when the
   * snapshot does not change.
   *
   * The store's compare-and-swap covers the whole namespace document, but conflicts are per source
   * (04 §8.5): when another writer (another replica, an edit by hand) saved the document between
   * the read and the save, the mutation starts over from a fresh read, which re-checks this
   * source's precondition. A change to this very source is still a 409; one to another source is not.
   */
  private async mutate(
    ctx: MutationContext,
    sourceId: string,
    action: RevisionAction | null,
    build: (current: SourceSnapshot | undefined) => SourceSnapshot | undefined,
  ): Promise<MutationOutcome> {
    return this.withNamespaceLock(ctx.namespace, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.mutateOnce(ctx, sourceId, action, build);
        } catch (error) {
          if (!(error instanceof StoreConflictError)) throw error;
          if (attempt < SAVE_ATTEMPTS) {
            // A replica working through a burst of writes to the same namespace would win every race
            // against one that retries at once; a random pause that doubles outlasts the burst.
            await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(SAVE_RETRY_BASE_MS * 2 ** (attempt - 1), 1_000)));
            continue;
          }
          void this.reconcile().catch((e: Error) => this.deps.log.error({ err: e }, 'reconcile after a conflict failed'));
          throw new ConflictError(error.message);
        }
      }
    });
  }

  private async mutateOnce(
    ctx: MutationContext,
    sourceId: string,
    action: RevisionAction | null,
    build: (current: SourceSnapshot | undefined) => SourceSnapshot | undefined,
  ): Promise<MutationOutcome> {
    const { namespace, plugin } = ctx;
    const fresh = await this.deps.store.read(namespace);
    let document: SourcesDocument;
    try {
      document = fresh ? parseSourcesDocument(fresh.text, this.deps.documentLabel) : { catalogs: {} };
    } catch (error) {
      this.recordStoreError(namespace, (error as Error).message);
      throw new ServiceUnavailableError('config store document is invalid; fix it before changing sources');
    }
    const freshSource = document.catalogs[plugin.configKey]?.sources.find((s) => s.id === sourceId);
    const before = freshSource ? sourceSnapshot(freshSource) : undefined;
    const currentDigest = before ? sourceVersion(before) : '';
    checkPrecondition(sourceId, ctx.precondition, currentDigest);
    const runtime = this.find(namespace, plugin, sourceId);
    if ((runtime ? sourceVersion(runtime) : '') !== currentDigest) {
      void this.reconcile().catch((error: Error) => this.deps.log.error({ err: error }, 'reconcile after a conflict failed'));
      throw new ConflictError('config was modified externally, retry the operation');
    }
    const after = build(before);
    const afterDigest = after ? sourceVersion(after) : '';
    if (afterDigest === currentDigest) return { before, after, changed: false };
    const revisions: RevisionRecord[] = [];
    if (this.deps.store.keepsRevisions && after && action !== null) {
      const now = Date.now();
      const history = await this.deps.store.revisions(namespace, plugin.configKey, sourceId);
      if (history.length === 0 && before) revisions.push(revisionOf(plugin, before, 'import', ctx.actor, new Date(now - IMPORT_OFFSET_MS)));
      revisions.push(revisionOf(plugin, after, action, ctx.actor, new Date(now)));
    }
    const text = editSourceEntry(fresh?.text ?? '', plugin.configKey, sourceId, after);
    const limit = this.deps.store.maxDocumentBytes;
    if (limit !== undefined && Buffer.byteLength(text) > limit) {
      throw new AppError(422, 'unprocessable_entity', `config document would exceed ${limit} bytes`);
    }
    const saved = await this.deps.store.save({
      namespace, expectedVersion: fresh?.version ?? null, text, revisions,
      ...(ctx.withinTransaction ? { withinTransaction: ctx.withinTransaction } : {}),
    });
    this.deps.onConfigChanged?.({ namespace, plugin: plugin.name, sourceId, removed: after === undefined });
    if (after) this.deps.catalog.putSource(namespace, plugin.name, { ...after, line: 0, problems: [] });
    else this.deps.catalog.removeSource(namespace, plugin.name, sourceId);
    // Only a view that was current follows the save; a stale one is left for reconcile to diff.
    if ((fresh?.version ?? undefined) === this.runtimeVersions.get(namespace) || !fresh) this.runtimeVersions.set(namespace, saved.version);
    return { before, after, changed: true };
  }

  /** Drops managed content no longer referenced by the live configuration or a retained revision (spec 04 §7). */
  private async collectContents(ctx: { namespace: string; plugin: RegisteredPlugin }, sourceId: string): Promise<void> {
    const live = this.find(ctx.namespace, ctx.plugin, sourceId);
    const history = this.deps.store.keepsRevisions ? await this.deps.store.revisions(ctx.namespace, ctx.plugin.configKey, sourceId) : [];
    const referenced = new Set(
      [live?.properties.managedContent, ...history.map((r) => r.snapshot.properties.managedContent)].filter((v): v is string => typeof v === 'string'),
    );
    await this.deps.contents.retainOnly({ namespace: ctx.namespace, plugin: ctx.plugin.name, sourceId }, referenced);
  }

  /**
   * Brings a source's entities in line with its configuration: an enabled source is refreshed, a
   * disabled one loses its entities, a removed one (`undefined`) its entities and refresh status.
   */
  private async settleEntities(
    ctx: { namespace: string; plugin: RegisteredPlugin },
    sourceId: string,
    source: { enabled: boolean } | undefined,
  ): Promise<RefreshOutcome | undefined> {
    if (source?.enabled) return this.refresh(ctx, sourceId);
    await this.removeEntities(ctx, sourceId, source ? 'disable' : 'delete');
    return undefined;
  }

  /** The refresher bumps the plugin's data version, which invalidates its caches. */
  private refresh(ctx: { namespace: string; plugin: RegisteredPlugin }, sourceId: string): Promise<RefreshOutcome | undefined> {
    return this.deps.refreshes.refreshCurrent(ctx.namespace, ctx.plugin, sourceId);
  }

  /** A refresh still running would only write data of a source that no longer serves it (04 §13.6). */
  private async removeEntities(ctx: { namespace: string; plugin: RegisteredPlugin }, sourceId: string, mode: 'disable' | 'delete'): Promise<void> {
    const key = { namespace: ctx.namespace, plugin: ctx.plugin.name, sourceId };
    this.deps.refreshes.withdraw(mode === 'disable' ? 'source disabled' : 'source deleted', key);
    await removeSourceEntities(this.deps.database.db, key, mode, this.deps.afterApply.get(ctx.plugin.name));
    this.deps.versions.bump(ctx.namespace, ctx.plugin.name);
  }

  private require(ctx: MutationContext, sourceId: string): void {
    if (!this.find(ctx.namespace, ctx.plugin, sourceId)) throw sourceNotFound(sourceId);
  }

  private async checkWritable(): Promise<void> {
    if (!(await this.deps.store.writable())) throw new ServiceUnavailableError('config store is read-only');
  }

  private storeUnavailable(namespace: string, error: unknown): void {
    const detail = storeErrorDetail(error);
    this.deps.log.error({ namespace, err: detail }, 'config store unavailable; keeping the previous configuration');
    this.recordStoreError(namespace, detail);
  }

  private recordStoreError(namespace: string, message: string): void {
    this.storeErrors.set(namespace, { message, time: new Date().toISOString() });
  }

  /** One writer per namespace in this process; the store's own lock or transaction guards across processes. */
  private async withNamespaceLock<T>(namespace: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(namespace) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(work);
    this.locks.set(namespace, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(namespace) === run) this.locks.delete(namespace);
    }
  }
}

function storeErrorDetail(error: unknown): string {
  return error instanceof StoreUnavailableError ? error.detail : (error as Error).message;
}

function revisionOf(plugin: RegisteredPlugin, source: SourceSnapshot, action: RevisionAction, actor: string, timestamp: Date): RevisionRecord {
  const snapshot = sourceSnapshot(source);
  return {
    configKey: plugin.configKey, sourceId: source.id, digest: sourceVersion(snapshot), action, actor, timestamp,
    size: Buffer.byteLength(JSON.stringify(snapshot)), snapshot,
  };
}

/** `If-Match` / `expectedVersion` (spec 04 §9): `*` = must exist, `""` = must not exist, else a ≥ 8-hex prefix of the current digest. */
function checkPrecondition(sourceId: string, precondition: string | undefined, currentDigest: string): void {
  if (precondition === undefined) return;
  const expected = precondition.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  const holds = expected === '*'
    ? currentDigest !== ''
    : expected === ''
      ? currentDigest === ''
      : currentDigest !== '' && expected.length >= 8 && HEX.test(expected) && currentDigest.startsWith(expected);
  if (!holds) {
    throw new ConflictError(`source "${sourceId}" has changed (current version ${currentDigest === '' ? 'none' : currentDigest.slice(0, 8)})`, {
      currentVersion: currentDigest,
    });
  }
}

export function sourceNotFound(sourceId: string): NotFoundError {
  return new NotFoundError(`source "${sourceId}" not found`);
}

/** 422 with the validation result at the top level of the envelope (spec 04 §5.4). */
export function validationFailed(result: DetailedValidationResult): AppError {
  return new AppError(422, 'unprocessable_entity', `source validation failed: ${result.errors[0]?.message ?? 'invalid source'}`, { ...result });
}

function sourceKey(key: { namespace: string; plugin: string; sourceId: string }): string {
  return `${key.namespace}/${key.plugin}/${key.sourceId}`;
}
