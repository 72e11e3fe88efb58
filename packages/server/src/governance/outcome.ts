import type { AuditDetails } from '../audit/RequestAudit.js';

/** The answer of every governance action (06 §4.4). */
export interface ActionResult {
  action: string;
  status: 'completed' | 'dry-run' | 'pending-approval';
  message: string;
  data?: Record<string, unknown>;
}

/** What an operation produced: the HTTP status and body, and what its one audit event records. */
export interface Outcome<Body = unknown> {
  statusCode: 200 | 201 | 202;
  body: Body;
  audit: AuditDetails;
}

/** Drops `undefined` members, so optional fields are omitted rather than null (06 §1 JSON). */
export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
