import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConformanceRun } from '../run/ConformanceRun.js';
import type { RunContext } from '../run/RunContext.js';
import { DEMO_LIST, DEMO_PLUGIN, error, runOnStub } from '../testing/stubServer.js';
import { runCapabilitiesChecks, runServerPluginsChecks } from './capabilities.js';

const GOOD = {
  ...DEMO_PLUGIN.capabilitiesV2,
  entities: [{
    ...DEMO_PLUGIN.capabilitiesV2.entities[0],
    endpoints: { list: DEMO_LIST, get: `${DEMO_LIST}/{name}`, action: '/api/demo_catalog/v1alpha1/management/entities/{name}:action' },
    fields: {
      columns: [{ name: 'name', displayName: 'Name', path: 'name', type: 'string', sortable: true }],
      filterFields: [{ name: 'color', displayName: 'Color', type: 'select', options: ['red'] }],
      detailFields: [{ name: 'name', displayName: 'Name', path: 'name', type: 'string' }],
    },
    actions: ['tag'],
    uiHints: { listView: { columns: [{ field: 'name', label: 'Name', display: 'link' }], defaultSort: { field: 'name', direction: 'asc' } } },
  }],
  actions: [{ id: 'tag', displayName: 'Tag', description: 'Tags', scope: 'asset', parameters: [{ name: 'tags', type: 'tags' }] }],
};

type Doc = typeof GOOD;

function run(doc: unknown, expected: { expectedEntityKinds?: string[] } = {}) {
  const plugin = { ...DEMO_PLUGIN, capabilitiesV2: doc };
  return runOnStub(
    (r) => {
      if (r.path === '/api/plugins') return { status: 200, body: { plugins: [plugin], count: 1 } };
      if (r.path === '/api/plugins/demo/capabilities') return { status: 200, body: doc };
      if (r.path === '/api/plugins/conformancemissing/capabilities') return error(404, 'not_found', 'plugin not found');
      return undefined;
    },
    async (ctx: RunContext) => {
      await runServerPluginsChecks(ctx as ConformanceRun);
      await runCapabilitiesChecks(ctx as ConformanceRun, 'demo');
    },
    expected,
    'single',
  );
}

const failed = (records: Map<string, { status: string; message?: string }>) =>
  Object.fromEntries([...records].filter(([, r]) => r.status === 'failed').map(([name, r]) => [name, r.message]));

test('a complete capabilities document passes category A', async () => {
  const records = await run(GOOD, { expectedEntityKinds: ['Widget'] });
  assert.deepEqual(failed(records), {});
  assert.equal(records.get('demo.entities.count')?.message, '1 entities');
  assert.equal(records.get('demo.expected.kinds')?.status, 'passed');
  assert.equal(records.get('demo.expected.caps')?.status, 'skipped');
  assert.equal(records.get('demo.entity.Widget.action.tag')?.status, 'passed');
});

test('each defect fails its own check with the message of 07 §4.3', async () => {
  const doc: Doc = structuredClone(GOOD);
  doc.plugin.name = 'other';
  doc.entities[0].actions = ['tag', 'explode'];
  doc.entities[0].endpoints.get = `${DEMO_LIST}/{name}/{name}`;
  doc.entities[0].fields.filterFields = [{ name: 'color', displayName: 'Color', type: 'select', options: [] }];
  doc.entities[0].uiHints.listView.columns[0].display = 'sparkles';
  doc.actions[0].scope = 'global';
  doc.actions[0].parameters[0].type = 'blob';
  assert.deepEqual(failed(await run(doc, { expectedEntityKinds: ['Gadget'] })), {
    'demo.plugin.name': 'mismatch: "other"',
    'demo.entity.Widget.endpoints.absolute': `${DEMO_LIST}/{name}/{name} must contain {name} exactly once`,
    'demo.entity.Widget.filterFields': 'invalid filter fields: {"name":"color","displayName":"Color","type":"select","options":[]}',
    'demo.entity.Widget.action.explode': 'undefined action reference',
    'demo.entity.Widget.uiHints': 'listView.columns[0].display "sparkles" is not a display type',
    'demo.action.tag.scope': 'invalid: "global"',
    'demo.action.tag.parameters': 'invalid parameters: {"name":"tags","type":"blob"}',
    'demo.expected.kinds': 'missing kinds: Gadget (declared: Widget)',
  });
});

test('the inline document must equal the endpoint document', async () => {
  const records = await runOnStub((r) => (r.path === '/api/plugins/demo/capabilities' ? { status: 200, body: GOOD } : undefined), (ctx) => runCapabilitiesChecks(ctx as ConformanceRun, 'demo'), {}, 'single');
  assert.equal(records.get('demo.inline.present')?.status, 'passed');
  assert.equal(records.get('demo.inline.match')?.status, 'failed');
});
