import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { isValidRequestId } from '../http/requestId.js';
import type { Metrics } from '../metrics/metrics.js';
import { insertAuditEvent, type AuditEvent } from './auditRepository.js';
import { redactAuditValue } from './redactAuditValue.js';
import type { AuditDetails, AuditOutcome, RequestAudit } from './RequestAudit.js';

/** Methods whose requests produce exactly one event each (spec 05 §4.3). */
export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Bound on the `onSend` write, so a slow database delays a response by at most this much (05 §4.7). */
const WRITE_TIMEOUT_MS = 2_000;

export interface AuditSettings {
  /** `CATALOG_AUDIT_ENABLED`: false writes nothing. */
  enabled: boolean;
  /** `CATALOG_AUDIT_LOG_DENIED`: false suppresses every event with outcome `denied`. */
  logDenied: boolean;
}

export interface AuditRecorderDependencies {
  database: { readonly db: Kysely<Database> };
  settings: AuditSettings;
  metrics: Metrics;
  log: Logger;
  /** The repository insert; tests replace it to force write failures (05 §11 item 36). */
  insert?: typeof insertAuditEvent;
}

/** A system event (05 §4.3): no request, actor `system`. */
export interface SystemAuditEvent extends Omit<AuditDetails, 'eventType' | 'action'> {
  namespace: string;
  eventType: 'config.external_change' | 'governance.approval.expired';
  action: string;
  resourceType?: string;
}

/** Spec 05 §2.1 names of where an identity came from. */
const IDENTITY_SOURCES: Record<string, string> = { header: 'proxy-headers', principal: 'proxy-headers', none: 'anonymous' };

/** Handlers always have a `request.audit`; requests that produce no event get this one. */
const NO_AUDIT: RequestAudit = {
  enrich: () => undefined,
  commitWith: async () => undefined,
};

/**
 * Writes the audit trail (spec 05 §4): one event per state-changing request, created by the
 * pipeline, enriched by handlers, committed in the handler's transaction or, failing that, before
 * the response is sent; plus the system events of reconcile and approval expiry.
 */
export class AuditRecorder {
  readonly none: RequestAudit = NO_AUDIT;
  private readonly insert: typeof insertAuditEvent;

  constructor(private readonly deps: AuditRecorderDependencies) {
    this.insert = deps.insert ?? insertAuditEvent;
  }

  /** The event skeleton of a request that matched a route and got its namespace (`null`: cluster scope). */
  begin(request: FastifyRequest, namespace: string | null): RequestAuditEvent {
    return new RequestAuditEvent(this, request, namespace);
  }

  /**
   * Writes a system event. Inside `trx` it commits or rolls back with the caller's change and a
   * failure is the caller's; on its own, a failure is logged and counted like a request event's.
   */
  async writeSystemEvent(input: SystemAuditEvent, trx?: Kysely<Database>): Promise<void> {
    if (!this.deps.settings.enabled) return;
    const { namespace, eventType, action, resourceType, outcome, ...details } = input;
    const event = compact({
      id: randomUUID(),
      namespace,
      eventType,
      actor: 'system',
      plugin: details.plugin,
      resourceType,
      resourceIds: details.resourceIds,
      assetUid: details.assetUid,
      versionId: details.versionId,
      action,
      actionVerb: details.actionVerb,
      outcome: outcome ?? 'success',
      reason: details.reason,
      oldValue: redactAuditValue(details.oldValue),
      newValue: redactAuditValue(details.newValue),
      metadata: redactAuditValue(details.metadata ?? {}) as Record<string, unknown>,
      createdAt: new Date().toISOString(),
    });
    if (trx) {
      await this.insert(trx, event, 'replace');
      this.deps.metrics.recordAuditEvent(event.outcome);
      return;
    }
    await this.persist(event);
  }

  /** Called from `onSend`: writes the request's event unless it needs none. Never throws. */
  async finish(audit: RequestAudit, statusCode: number): Promise<void> {
    if (!(audit instanceof RequestAuditEvent)) return;
    const event = audit.eventFor(statusCode);
    if (!event) return;
    await this.persist(event);
  }

  /** @internal the decision of 05 §4.1/§4.3 for one finished event. */
  wants(event: AuditEvent, isDeniedClusterRead: boolean, request: FastifyRequest): boolean {
    if (isDeniedClusterRead) {
      // Cluster-scope reads have no namespace to file the event under (05 §4.3).
      this.deps.log.info({ requestId: request.id, actor: event.actor, action: event.action, resourceType: event.resourceType }, 'denied cluster-scope read not recorded');
      this.deps.metrics.recordUnrecordedDenial();
      return false;
    }
    if (!this.deps.settings.enabled) return false;
    return event.outcome !== 'denied' || this.deps.settings.logDenied;
  }

  /** @internal inserts inside the handler's transaction (commitWith). */
  async insertInTransaction(trx: Kysely<Database>, event: AuditEvent): Promise<void> {
    await this.insert(trx, event, 'replace');
  }

  private async persist(event: AuditEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        // `ignore`: an event the handler's transaction committed stays as committed (05 §4.7).
        this.insert(this.deps.database.db, event, 'ignore'),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`audit write timed out after ${WRITE_TIMEOUT_MS} ms`)), WRITE_TIMEOUT_MS);
        }),
      ]);
      this.deps.metrics.recordAuditEvent(event.outcome);
    } catch (error) {
      // The response stays as it is; the complete event goes to the log so it can be recovered.
      this.deps.log.error({ auditEvent: event, err: error }, 'audit event not persisted');
      this.deps.metrics.recordAuditWriteFailure();
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The one audit event of a request (05 §4.3): its skeleton, the handler's details, its final status. */
export class RequestAuditEvent implements RequestAudit {
  private readonly id = randomUUID();
  private readonly startedAt = Date.now();
  private details: AuditDetails = {};
  private deniedByAuthorizer = false;

  constructor(
    private readonly recorder: AuditRecorder,
    private readonly request: FastifyRequest,
    private readonly namespace: string | null,
  ) {}

  enrich(details: AuditDetails): void {
    const metadata = details.metadata ? { ...this.details.metadata, ...details.metadata } : this.details.metadata;
    this.details = { ...this.details, ...stripUndefined(details), ...(metadata ? { metadata } : {}) };
  }

  async commitWith(trx: Kysely<Database>, statusCode: number): Promise<void> {
    const event = this.eventFor(statusCode);
    if (event) await this.recorder.insertInTransaction(trx, event);
  }

  /** The authorizer said no (403 in `onRequest`): reads are then audited too, as `access` events. */
  markDeniedByAuthorizer(): void {
    this.deniedByAuthorizer = true;
  }

  /** The event as it stands with this final status, or undefined when none is to be written. */
  eventFor(statusCode: number): AuditEvent | undefined {
    const { request } = this;
    const config = request.routeOptions.config;
    const write = STATE_CHANGING_METHODS.has(request.method);
    if (write ? config.audit === false : !this.deniedByAuthorizer) return undefined;
    const authz = typeof config.authz === 'object' ? config.authz : undefined;
    const routeAudit = write && config.audit ? config.audit : undefined;
    const params = (request.params ?? {}) as Record<string, unknown>;
    const details = this.details;

    const routeAction = routeAudit ? fromParam(routeAudit.action, params) : authz?.verb ?? request.method.toLowerCase();
    const action = details.action ?? routeAction;
    const outcome = outcomeOf(statusCode, details.outcome);
    const correlation = request.headers['x-correlation-id'];
    const identity = request.identity;
    const metadata: Record<string, unknown> = {
      method: request.method,
      path: request.url.split('?')[0],
      route: request.routeOptions.url,
      durationMs: Math.max(0, Math.round(Date.now() - this.startedAt)),
      groups: identity.groups,
      identitySource: IDENTITY_SOURCES[identity.source] ?? identity.source,
    };
    for (const [key, value] of Object.entries(details.metadata ?? {})) if (!(key in metadata)) metadata[key] = value;

    const event = compact({
      id: this.id,
      namespace: this.namespace ?? '',
      correlationId: typeof correlation === 'string' && isValidRequestId(correlation) ? correlation : request.id,
      eventType: details.eventType ?? (write ? (routeAudit?.eventType ?? 'management') : 'access'),
      actor: identity.user,
      requestId: request.id,
      plugin: details.plugin ?? config.plugin ?? stringParam(params.plugin),
      resourceType: authz?.resource,
      resourceIds: details.resourceIds ?? pathIds(params),
      assetUid: details.assetUid,
      versionId: details.versionId,
      action,
      actionVerb: details.actionVerb ?? (write ? (routeAudit?.actionVerb ?? action) : routeAction),
      outcome,
      statusCode,
      reason: details.reason,
      oldValue: redactAuditValue(details.oldValue),
      newValue: redactAuditValue(details.newValue),
      metadata: redactAuditValue(metadata) as Record<string, unknown>,
      createdAt: new Date(this.startedAt).toISOString(),
    });
    const deniedClusterRead = this.namespace === null && outcome === 'denied';
    if (this.namespace === null && !deniedClusterRead) return undefined;
    return this.recorder.wants(event, deniedClusterRead, request) ? event : undefined;
  }
}

/** Outcome of spec 05 §4.5: a handler's `pending`/`canceled` only stand on success; every 403 is a denial. */
function outcomeOf(statusCode: number, enriched: AuditOutcome | undefined): AuditOutcome {
  if (statusCode < 400) return enriched ?? 'success';
  return statusCode === 403 || enriched === 'denied' ? 'denied' : 'failure';
}

/** `:name` takes the action from that path parameter (`POST {a}/actions/{action}`). */
function fromParam(action: string, params: Record<string, unknown>): string {
  return action.startsWith(':') ? (stringParam(params[action.slice(1)]) ?? action.slice(1)) : action;
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The ids a route's path names (source, job and approval ids); handlers refine them. */
function pathIds(params: Record<string, unknown>): string[] | undefined {
  const ids = ['id', 'sourceId'].flatMap((name) => stringParam(params[name]) ?? []);
  return ids.length > 0 ? ids : undefined;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Drops empty optional fields: the JSON of 05 §4.2 carries them only when non-empty. */
function compact(event: AuditEvent): AuditEvent {
  return Object.fromEntries(
    Object.entries(event).filter(([, value]) => value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0)),
  ) as unknown as AuditEvent;
}
