// In-repo conformance run (a) of spec 07 §4.5 / 05 §11 item 7: a real server on a free loopback
// port in single tenancy with authz `none`, the 8 bundled plugins and their sample sources (the
// repository's config/sources.yaml), a `db` config store so apply works, and an approval policy so
// governance exercises the approval path. The harness reaches it over HTTP only; this test file
// (not the package) imports the server's test helpers through a relative path.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../../server/src/testing/databases.js';
import { governanceEnv } from '../../server/src/testing/governanceClient.js';
import { startTestServer, type TestServer } from '../../server/src/testing/testServer.js';
import { runConformance, type ConformanceReport } from './index.js';
import { APPROVAL_POLICIES } from './testing/sarSetupServer.js';

const PLUGINS = ['agents', 'guardrails', 'knowledge', 'mcp', 'model', 'policies', 'prompts', 'skills'];

// The model samples carry a top-level `source:` next to `models:`, so 07 §4.2 item 7 derives no
// fixture from them; this is the --fixture a model catalog operator would pass.
const MODEL_FIXTURE = `source: Conformance
models:
  - name: conformance/model
    provider: Conformance Labs
    description: A model applied by the conformance harness.
    license: apache-2.0
    tasks: [text-generation]
`;

/** Every check that is skipped in this configuration, and why it does not apply here. */
const NOT_APPLICABLE: Record<string, string> = {
  ...Object.fromEntries(PLUGINS.flatMap((p) => [
    [`${p}.expected.kinds`, 'expectations are per plugin (--plugin with --expect-kinds); none requested'],
    [`${p}.expected.caps`, 'expectations are per plugin (--plugin with --expect-caps); none requested'],
  ])),
  'security.ui_headers': 'this server serves no HTML UI at /',
  ...Object.fromEntries(['apply_source', 'delete_source', 'refresh', 'action', 'governance', 'approval_decision', 'self_review'].map((c) => [`security.denied.${c}`, 'authz none refuses nobody: there is no denied identity'])),
  'audit.denied_outcome': 'authz none refuses nobody: there is no denied identity',
  'tenancy.required': 'namespace mode only',
  'tenancy.invalid': 'namespace mode only',
  'tenancy.query_wins': 'namespace mode only',
  'tenancy.isolation.sources': 'isolation needs two namespaces',
  'tenancy.isolation.entities': 'isolation needs two namespaces',
  'tenancy.isolation.audit': 'isolation needs two namespaces',
  'tenancy.isolation.jobs': 'isolation needs two namespaces',
  'tenancy.isolation.governance': 'isolation needs two namespaces',
};

function checks(report: ConformanceReport, status: string): string[] {
  return report.categories.flatMap((c) => c.tests.filter((t) => t.status === status).map((t) => `${t.name}${t.message ? ` -- ${t.message}` : ''}`));
}

describeEachDatabase('conformance run (a): single tenancy, authz none', (kind) => {
  let server: TestServer;
  let report: ConformanceReport;

  before(async () => {
    server = await startTestServer({ kind, args: ['--config-store=db'], env: governanceEnv({ policies: APPROVAL_POLICIES }) });
    report = await runConformance({
      serverUrl: server.server.url,
      mutate: true,
      identity: { user: 'conformance-admin' },
      reviewerIdentity: { user: 'conformance-reviewer', groups: ['catalog-reviewers'] },
      fixtures: { model: MODEL_FIXTURE },
    });
  });
  after(async () => {
    await server?.close();
  });

  test('every check passes or is not applicable', (t) => {
    t.diagnostic(`${report.totalPassed} passed, ${report.totalFailed} failed, ${report.totalSkipped} skipped`);
    assert.deepEqual(checks(report, 'failed'), []);
    assert.equal(report.result, 'pass');
    assert.equal(report.fatal, undefined);
  });

  test('the skipped checks are exactly the ones that do not apply to this configuration', () => {
    const skipped = report.categories.flatMap((c) => c.tests.filter((t) => t.status === 'skipped').map((t) => t.name));
    assert.deepEqual(skipped.sort(), Object.keys(NOT_APPLICABLE).sort(), checks(report, 'skipped').join('\n'));
  });

  test('every category ran, per plugin where the spec says so, and nothing was left behind', async () => {
    const ids = (id: string) => report.categories.filter((c) => c.id === id).map((c) => c.plugin ?? '');
    for (const id of ['A', 'B', 'C']) assert.deepEqual(ids(id).filter(Boolean), PLUGINS, id);
    for (const id of ['D', 'E', 'F', 'G', 'H', 'I', 'J']) assert.deepEqual(ids(id), [''], id);
    const cleanups = report.categories.flatMap((c) => c.tests).filter((t) => t.name.endsWith('.sources.cleanup'));
    assert.equal(cleanups.length, PLUGINS.length);
    assert.ok(report.totalPassed > 800, `${report.totalPassed} passed`);
    for (const plugin of PLUGINS) {
      const response = await server.inject({ url: `/api/${plugin}_catalog/v1alpha1/management/sources` });
      const ids = (JSON.parse(response.body) as { sources: { id: string }[] }).sources.map((s) => s.id);
      assert.deepEqual(ids.filter((id) => id.startsWith('conformance-')), [], plugin);
    }
  });
});
