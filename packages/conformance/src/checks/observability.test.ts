import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConformanceRun } from '../run/ConformanceRun.js';
import { runOnStub, type StubReply, type StubRequest } from '../testing/stubServer.js';
import { parseExposition, runObservabilityChecks } from './observability.js';

const METRICS = '# HELP catalog_http_requests_total Requests.\n# TYPE catalog_http_requests_total counter\ncatalog_http_requests_total{method="GET",status="200"} 3\nprocess_uptime_seconds 1.5e+2\n';

function healthServer(defect?: 'no_metric' | 'no_echo' | 'starting') {
  return (r: StubRequest): StubReply | undefined => {
    const echo: Record<string, string> = defect === 'no_echo' ? {} : { 'x-request-id': String(r.headers['x-request-id'] ?? 'generated-id') };
    if (r.path === '/healthz' || r.path === '/livez') return { status: 200, body: { status: 'alive', uptime: '1m2s' }, headers: echo };
    if (r.path === '/readyz') {
      const components = { database: { status: 'up' }, initial_load: { status: 'complete' }, plugins: { status: 'healthy' }, leader_election: { status: 'not_configured' } };
      return { status: 200, body: { status: defect === 'starting' ? 'starting' : 'ready', components } };
    }
    return undefined;
  };
}

// The stub answers JSON only, so /metrics is checked through parseExposition here.
const run = (defect?: Parameters<typeof healthServer>[0]) => runOnStub(healthServer(defect), (ctx) => runObservabilityChecks(ctx as ConformanceRun), {}, 'single');

test('health, readiness and request ids', async () => {
  const good = await run();
  for (const name of ['observability.healthz', 'observability.livez', 'observability.readyz', 'observability.no_namespace', 'observability.request_id']) assert.equal(good.get(name)?.status, 'passed', name);
  assert.equal(good.get('observability.metrics')?.status, 'failed');
  assert.equal((await run('no_echo')).get('observability.request_id')?.status, 'failed');
  assert.equal((await run('starting')).get('observability.readyz')?.message, 'status "starting"');
});

test('Prometheus text exposition', () => {
  const parsed = parseExposition(METRICS);
  assert.deepEqual(parsed.problems, []);
  assert.ok(parsed.names.has('catalog_http_requests_total'));
  assert.deepEqual(parseExposition('{"json": true}\n').problems, ['line 1: not a sample: {"json": true}']);
  assert.deepEqual(parseExposition('# TYPE x countr\nx 1\n').problems, ['line 1: malformed TYPE']);
  assert.deepEqual(parseExposition('x one\n').problems, ['line 1: not a sample: x one']);
});
