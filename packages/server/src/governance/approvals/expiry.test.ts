import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { DataVersions } from '../../cache/DataVersions.js';
import type { PluginRegistry } from '../../framework/PluginRegistry.js';
import type { SourceCatalog } from '../../sources/SourceCatalog.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../../testing/databases.js';
import type { AssetRef } from '../assets/resolveAsset.js';
import type { ApprovalPolicy } from '../config/loadApprovalPolicies.js';
import type { SystemAuditEvent } from '../../audit/AuditRecorder.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { createGovernanceMetrics } from '../GovernanceMetrics.js';
import { DEFAULT_GOVERNANCE_SETTINGS } from '../GovernanceSettings.js';
import { ApprovalExpirySweeper } from './ApprovalExpirySweeper.js';
import { approvalJson, createApprovalRequest } from './ApprovalStore.js';
import { decide } from './decide.js';

const asset: AssetRef = { namespace: 'default', plugin: 'agents', kind: 'Agent', plural: 'agents', name: 'a', uid: 'agents:Agent:a' };
const policy: ApprovalPolicy = {
  id: 'short', displayName: 'Short', enabled: true, appliesTo: 'lifecycle', expiryHours: 1,
  selector: { plugins: [], kinds: [], riskLevels: [], transitions: [], environments: [] },
  gate: { requiredCount: 1, allowedRoles: [], denyOnFirst: false },
};

/** Spec 06 §9.9 / §17 item 36 with a test clock: reads, writes and the sweep all treat overdue requests as expired. */
describeEachDatabase('approval expiry', (kind) => {
  let database: TestDatabase;
  let clock = new Date('2026-02-17T10:00:00.000Z');
  const events: SystemAuditEvent[] = [];
  let leading = true;
  let ctx: GovernanceContext;
  const quietLog = { info: () => undefined, error: () => undefined };

  before(async () => {
    database = await createTestDatabase(kind);
    ctx = {
      database, registry: {} as PluginRegistry, catalog: {} as SourceCatalog, settings: DEFAULT_GOVERNANCE_SETTINGS,
      metrics: createGovernanceMetrics(new Registry()), versions: new DataVersions(),
      writeSystemEvent: async (_db, event) => { events.push(event); },
      now: () => clock,
    };
  });
  after(() => database.close());

  test('an overdue request reads as expired, refuses votes, and the sweep expires it once', async () => {
    const request = { action: 'lifecycle.setState', params: { state: 'approved' }, gateKey: 'lifecycle', expectedFromState: 'draft', policy, requester: 'alice' };
    const id = await database.db.transaction().execute((trx) => createApprovalRequest(trx, ctx, asset, request));
    const read = async () => approvalJson(await database.db.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow(), [], clock, false);
    assert.equal((await read()).status, 'pending');
    assert.equal((await read()).expiresAt, '2026-02-17T11:00:00.000Z');

    clock = new Date('2026-02-17T11:00:00.001Z');
    assert.equal((await read()).status, 'expired', 'reads report expiry before any write');
    await assert.rejects(
      database.db.transaction().execute((trx) => decide(trx, ctx, 'default', id, { user: 'bob', groups: [], authenticated: true, source: 'proxy-headers' }, { verdict: 'approve' })),
      { statusCode: 409, message: 'approval request is already expired' },
    );

    const sweeper = new ApprovalExpirySweeper({ ctx, leadership: { runsSingletonTasks: () => leading }, log: quietLog });
    leading = false;
    assert.equal(await sweeper.sweep(), 0, 'only the replica running singleton tasks sweeps');
    leading = true;
    assert.equal(await sweeper.sweep(), 1);
    assert.equal(await sweeper.sweep(), 0);
    assert.deepEqual(events, [{
      namespace: 'default', eventType: 'governance.approval.expired', action: 'approval.expire', plugin: 'agents', assetUid: 'agents:Agent:a',
      oldValue: { status: 'pending' }, newValue: { requestId: id, status: 'expired' }, metadata: { approvalId: id },
    }]);
    const stored = await read();
    assert.deepEqual([stored.status, stored.resolvedBy, stored.resolutionNote], ['expired', 'system', 'expired']);
    // The gate is free again.
    const next = await database.db.transaction().execute((trx) => createApprovalRequest(trx, ctx, asset, request));
    assert.notEqual(next, id);
  });
});
