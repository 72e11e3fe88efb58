import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import pino from 'pino';
import { createMetrics } from '../metrics/metrics.js';
import { AuditRecorder } from './AuditRecorder.js';

const recorder = (logDenied = true) =>
  new AuditRecorder({
    database: { get db(): never { throw new Error('not used'); } },
    settings: { enabled: true, logDenied },
    metrics: createMetrics(),
    log: pino({ level: 'silent' }),
  });

/** The parts of a Fastify request the recorder reads. */
function request(method: string, url: string, config: Record<string, unknown>, params: Record<string, string> = {}): FastifyRequest {
  return {
    id: 'req-1', method, url, params, headers: {},
    routeOptions: { url: url.split('?')[0], config },
    identity: { user: 'alice', groups: ['g'], authenticated: true, source: 'header' },
  } as unknown as FastifyRequest;
}

const governanceAction = {
  authz: { resource: 'actions', verb: 'execute' },
  audit: { action: ':action', actionVerb: 'execute-action', eventType: 'governance.action' },
};

test('route defaults: the action from a path parameter, the declared verb and type, the plugin from the path', () => {
  const event = recorder().begin(request('POST', '/x?y=1', governanceAction, { plugin: 'mcp', action: 'lifecycle.setState' }), 'team-a').eventFor(200)!;
  assert.deepEqual(
    [event.action, event.actionVerb, event.eventType, event.plugin, event.resourceType, event.outcome, event.metadata?.path],
    ['lifecycle.setState', 'execute-action', 'governance.action', 'mcp', 'actions', 'success', '/x'],
  );
});

test('outcomes: pending and canceled only on success, every 403 denied, everything else failure', () => {
  const outcome = (status: number, enriched?: 'pending' | 'canceled' | 'denied') => {
    const audit = recorder().begin(request('POST', '/x', { authz: { resource: 'jobs', verb: 'update' }, audit: { action: 'cancel' } }), 'default');
    if (enriched) audit.enrich({ outcome: enriched });
    return audit.eventFor(status)!.outcome;
  };
  assert.equal(outcome(200), 'success');
  assert.equal(outcome(202, 'pending'), 'pending');
  assert.equal(outcome(200, 'canceled'), 'canceled');
  assert.equal(outcome(500, 'pending'), 'failure');
  assert.equal(outcome(403), 'denied');
  assert.equal(outcome(409, 'denied'), 'denied');
  for (const status of [400, 401, 404, 409, 415, 422, 429, 500, 503]) assert.equal(outcome(status), 'failure', String(status));
});

test('enrich merges: later calls win, metadata keys accumulate, pipeline metadata cannot be overwritten', () => {
  const audit = recorder().begin(request('DELETE', '/s/1', { authz: { resource: 'catalogsources', verb: 'delete' }, audit: { action: 'delete' } }, { id: 's1' }), 'default');
  audit.enrich({ reason: 'first', metadata: { dryRun: true } });
  audit.enrich({ reason: 'second', metadata: { jobId: 'j', method: 'GET' } });
  const event = audit.eventFor(200)!;
  assert.equal(event.reason, 'second');
  assert.deepEqual(event.resourceIds, ['s1']);
  assert.deepEqual([event.metadata?.dryRun, event.metadata?.jobId, event.metadata?.method], [true, 'j', 'DELETE']);
});

test('no event: allowed reads, the self access review, denied events when LOG_DENIED is off', () => {
  assert.equal(recorder().begin(request('GET', '/r', { authz: { resource: 'assets', verb: 'list' } }), 'default').eventFor(200), undefined);
  assert.equal(recorder().begin(request('POST', '/api/authz/v1alpha1/selfsubjectaccessreviews', { authz: 'identity', audit: false }), 'default').eventFor(200), undefined);
  const denied = recorder(false).begin(request('POST', '/x', { authz: { resource: 'jobs', verb: 'update' }, audit: { action: 'cancel' } }), 'default');
  assert.equal(denied.eventFor(403), undefined);
});
