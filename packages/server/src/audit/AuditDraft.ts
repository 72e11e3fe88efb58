import type { AuditDetails, RequestAudit } from './RequestAudit.js';

/**
 * Collects a request's audit details. Interim: events are not persisted until the audit recorder
 * (issue 6) replaces this with the real implementation; handlers already enrich through it.
 */
export class AuditDraft implements RequestAudit {
  readonly details: AuditDetails = {};

  enrich(details: AuditDetails): void {
    const metadata = details.metadata ? { ...this.details.metadata, ...details.metadata } : this.details.metadata;
    Object.assign(this.details, details, metadata ? { metadata } : {});
  }

  async commitWith(): Promise<void> {}
}
