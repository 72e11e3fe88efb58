import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { BadRequestError, NotFoundError } from '../../errors.js';
import type { EntityRow } from '../../framework/serializeEntity.js';
import { contentDigest } from '../../ingest/digest.js';
import { findAssetEntity, type AssetRef } from '../assets/resolveAsset.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { compact, type Outcome } from '../outcome.js';
import { governanceJson, readRecord } from '../records/RecordStore.js';
import { insertVersion, requireNewLabel, type NewVersion, type VersionRow } from './VersionStore.js';

const LABEL = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,62}$/;

export interface VersionInput {
  versionLabel: string;
  reason?: string;
  sourceId?: string;
}

/** The version parameters; `entryPoint` picks the message of a missing label (POST body or action param). */
export function parseVersionInput(fields: Record<string, unknown>, entryPoint: 'post' | 'action'): VersionInput {
  const label = fields.versionLabel;
  if (typeof label !== 'string' || label === '') {
    throw new BadRequestError(entryPoint === 'post' ? 'versionLabel is required' : `missing or invalid 'versionLabel' parameter`);
  }
  if (!LABEL.test(label)) {
    throw new BadRequestError(`invalid versionLabel "${label}": use 1-63 letters, digits, '.', '_', '+' or '-', starting with a letter or digit`);
  }
  for (const key of ['reason', 'sourceId'] as const) {
    if (fields[key] !== undefined && fields[key] !== null && typeof fields[key] !== 'string') throw new BadRequestError(`missing or invalid '${key}' parameter`);
  }
  return compact({ versionLabel: label, reason: (fields.reason as string | undefined) || undefined, sourceId: (fields.sourceId as string | undefined) || undefined });
}

export interface CreatedVersion {
  row?: VersionRow;
  versionLabel: string;
  lifecycleState: string;
  contentDigest: string;
}

/** Snapshots the served entity with its digest, governance and provenance (06 §7.1–7.3). */
export async function createVersion(
  trx: Kysely<Database>,
  ctx: GovernanceContext,
  asset: AssetRef,
  input: VersionInput,
  options: { actor: string; dryRun: boolean },
): Promise<Outcome<CreatedVersion>> {
  const entity = await findAssetEntity(ctx, trx, asset, input.sourceId);
  if (!entity) throw new NotFoundError(`${asset.kind} "${asset.name}" not found${input.sourceId ? ` in source "${input.sourceId}"` : ''}`);
  const governance = governanceJson(await readRecord(trx, asset));
  const lifecycleState = (governance.lifecycle as { state: string }).state;
  const digest = contentDigest(entity.doc);
  const audit = { eventType: 'governance.version.created', action: 'version.create', reason: input.reason };
  await requireNewLabel(trx, asset, input.versionLabel);
  if (options.dryRun) {
    return { statusCode: 200, body: { versionLabel: input.versionLabel, lifecycleState, contentDigest: digest }, audit: { ...audit, metadata: { dryRun: true } } };
  }
  const row = await insertVersion(trx, asset, {
    version_label: input.versionLabel,
    reason: input.reason ?? null,
    created_at: ctx.now(),
    created_by: options.actor,
    source_id: entity.source_id,
    content_digest: digest,
    ...provenanceColumns(entity, digest),
    governance_snapshot: JSON.stringify(governance),
    asset_snapshot: JSON.stringify(entity.doc),
  });
  ctx.metrics.versionCreated(asset.plugin);
  return {
    statusCode: 201,
    body: { row, versionLabel: row.version_label, lifecycleState, contentDigest: digest },
    audit: { ...audit, versionId: row.version_id, newValue: { versionId: row.version_id, versionLabel: row.version_label, contentDigest: digest } },
  };
}

type ProvenanceColumns = Pick<NewVersion,
  'provenance_source_type' | 'provenance_source_uri' | 'provenance_source_id' | 'provenance_revision_id' | 'provenance_revision_observed_at'
  | 'provenance_integrity_verified' | 'provenance_integrity_method' | 'provenance_integrity_details'>;

/**
 * Provenance as the provider recorded it on the refresh that last changed the entity (06 §7.3),
 * never fetched again, and the integrity check of the snapshot against the recorded entity digest.
 */
function provenanceColumns(entity: EntityRow, digest: string): ProvenanceColumns {
  const recorded = entity.provenance ?? {};
  const text = (key: string) => (typeof recorded[key] === 'string' && recorded[key] !== '' ? (recorded[key] as string) : undefined);
  const type = text('type');
  if (type === undefined) {
    return {
      provenance_source_type: null, provenance_source_uri: null, provenance_source_id: null, provenance_revision_id: null,
      provenance_revision_observed_at: null, provenance_integrity_verified: null, provenance_integrity_method: null, provenance_integrity_details: null,
    };
  }
  // git: the commit; hf: the revision; http: the ETag; otherwise (yaml, http without ETag) the document digest.
  const revision = text('commit') ?? text('revision') ?? text('etag') ?? text('digest');
  const observedAt = text('fetchedAt');
  const recordedDigest = entity.digest?.trim();
  const integrity = !recordedDigest
    ? { verified: false, details: 'no recorded digest' }
    : recordedDigest === digest
      ? { verified: true, details: `sha256:${digest}` }
      : { verified: false, details: `content digest sha256:${digest} does not match recorded digest sha256:${recordedDigest}` };
  return {
    provenance_source_type: type,
    provenance_source_uri: text('uri') ?? text('modelId') ?? null,
    provenance_source_id: entity.source_id,
    provenance_revision_id: revision ?? null,
    provenance_revision_observed_at: observedAt && !Number.isNaN(Date.parse(observedAt)) ? new Date(observedAt) : null,
    provenance_integrity_verified: integrity.verified,
    provenance_integrity_method: 'sha256-content-hash',
    provenance_integrity_details: integrity.details,
  };
}

