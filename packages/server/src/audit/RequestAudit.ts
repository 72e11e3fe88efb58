import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export type AuditOutcome = 'success' | 'failure' | 'denied' | 'pending' | 'canceled';

/** What a handler adds to its request's one audit event (spec 05 §4.2–4.4). Later calls merge over earlier ones. */
export interface AuditDetails {
  eventType?: string;
  action?: string;
  actionVerb?: string;
  plugin?: string;
  resourceIds?: string[];
  /** `<plugin>:<kind>:<name>`. */
  assetUid?: string;
  versionId?: string;
  /** Domain reason (lifecycle reason, decision comment, cancel reason); errors fill it from the envelope. */
  reason?: string;
  /** Redacted by the recorder (04 §12), never resolved secrets or `content` text. */
  oldValue?: unknown;
  newValue?: unknown;
  /** Domain keys merged into `metadata`: dryRun, actionId, params, jobId, approvalId, executedAs, effects. */
  metadata?: Record<string, unknown>;
  /** Overrides the outcome derived from the status (`pending` for 202 approvals, `canceled`, domain `denied`). */
  outcome?: AuditOutcome;
}

/**
 * The one audit event of a request (spec 05 §4.3). The pipeline creates it in `onRequest`;
 * handlers only enrich it, and never insert audit rows themselves.
 */
export interface RequestAudit {
  enrich(details: AuditDetails): void;
  /**
   * Inserts the event inside the handler's transaction, with the status the handler is about to
   * return, so the change and its event commit or roll back together (05 §4.7).
   */
  commitWith(trx: Kysely<Database>, statusCode: number): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    audit: RequestAudit;
  }
}
