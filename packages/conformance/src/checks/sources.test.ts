import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConformanceRun } from '../run/ConformanceRun.js';
import { DEMO_BASE, DEMO_PLUGIN, error, runOnStub, type StubReply, type StubRequest } from '../testing/stubServer.js';
import { runSourcesChecks } from './sources.js';

const DOC = { ...DEMO_PLUGIN.capabilitiesV2, sources: { manageable: true, refreshable: true, types: ['yaml'] } };
const M = `${DEMO_BASE}/management`;

/** Source management of a plugin with one source whose content has two top-level keys (no derivable fixture). */
function sourcesServer(options: { leak?: boolean; validateStatus?: number } = {}) {
  const source = {
    id: 'demo-samples', name: 'Demo', type: 'yaml', enabled: true,
    properties: { content: 'source: x\nwidgets:\n  - name: w1\n', auth: { password: options.leak ? 'hunter2' : '***REDACTED***', tokenRef: { env: 'CATALOG_SECRET_X' } } },
    status: { state: 'available', entityCount: 1 },
  };
  return (r: StubRequest): StubReply | undefined => {
    if (r.path === '/api/plugins/demo/capabilities') return { status: 200, body: DOC };
    if (r.path === `${M}/sources`) return { status: 200, body: { sources: [source], count: 1 } };
    if (r.path === `${M}/diagnostics`) return { status: 200, body: { pluginName: 'demo', sources: [] } };
    if (r.path === `${M}/sources/demo-samples/revisions`) return { status: 200, body: { revisions: [], count: 0 } };
    if (r.path === `${M}/sources/conformance-x:validate`) {
      if (options.validateStatus === 403) return error(403, 'forbidden');
      return { status: 200, body: { valid: false, layerResults: [{ layer: 'semantic', valid: false, errors: [{ message: 'bad id' }] }] } };
    }
    if (r.path === `${M}/apply-source`) return { status: 422, body: { error: 'unprocessable_entity', message: 'invalid', layerResults: [{ layer: 'yaml_parse', valid: false }] } };
    return undefined;
  };
}

const run = (server: ReturnType<typeof sourcesServer>, mutate = false) => runOnStub(server, (ctx) => runSourcesChecks(ctx as ConformanceRun, 'demo'), { mutate }, 'single');

test('read-only source checks pass; without --mutate the write checks are skipped', async () => {
  const records = await run(sourcesServer());
  for (const name of ['list', 'redaction', 'diagnostics', 'revisions', 'validate.invalid']) assert.equal(records.get(`demo.sources.${name}`)?.status, 'passed', name);
  assert.equal(records.get('demo.sources.apply')?.message, 'requires --mutate');
  assert.equal(records.get('demo.sources.apply.invalid')?.message, 'requires --mutate');
});

test('a plain secret fails redaction; a refused validation is skipped', async () => {
  const records = await run(sourcesServer({ leak: true, validateStatus: 403 }));
  assert.equal(records.get('demo.sources.redaction')?.message, 'plain values under sensitive keys: demo-samples.properties.auth.password');
  assert.equal(records.get('demo.sources.validate.invalid')?.message, 'not permitted with the given identity');
});

test('with --mutate and no derivable fixture: apply.invalid runs, the fixture checks are skipped with the hint', async () => {
  const records = await run(sourcesServer(), true);
  assert.equal(records.get('demo.sources.apply.invalid')?.status, 'passed');
  assert.equal(records.get('demo.sources.apply')?.message, 'no fixture; pass --fixture demo=FILE');
  assert.equal(records.get('demo.sources.delete')?.message, 'no fixture; pass --fixture demo=FILE');
});
