import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachDatabase } from '../../server/src/testing/databases.js';
import { formatText, runConformance, type ConformanceReport } from './index.js';
import { ALLOWED, DENIED, REVIEWER, SAR_SETUP_PLUGINS, startSarSetup, type SarSetup } from './testing/sarSetupServer.js';

/**
 * The checks this configuration cannot exercise, each with why (07 §4.5: the only skips allowed).
 */
const NOT_APPLICABLE: Record<string, string> = {
  // Kind and capability expectations describe one plugin (plugin test files); none are given here.
  ...Object.fromEntries(SAR_SETUP_PLUGINS.flatMap((p) => [[`${p}.expected.kinds`, 'not requested'], [`${p}.expected.caps`, 'not requested']])),
  // Single-mode behaviour: this server runs in namespace mode.
  'tenancy.single.ignored': 'not applicable in namespace mode',
  // The test server has no built UI bundle, so `/` serves no HTML whose headers could be checked.
  'security.ui_headers': 'no HTML served at /',
};

function skippedChecks(report: ConformanceReport): Map<string, string> {
  const skipped = new Map<string, string>();
  for (const category of report.categories) for (const t of category.tests) if (t.status === 'skipped') skipped.set(t.name, t.message ?? '');
  return skipped;
}

/**
 * In-repo conformance run (b) of spec 07 §4.5 / 05 §11 item 7: the SAR setup with an allowed
 * (carol + team-a-engineers), a denied (mallory) and a reviewer (bob) identity, --mutate.
 */
describeEachDatabase('conformance run (b): namespace mode, two namespaces, sar against the fake API server', (kind) => {
  let setup: SarSetup;
  let report: ConformanceReport;
  before(async () => {
    setup = await startSarSetup(kind);
    report = await runConformance({
      serverUrl: setup.url, namespace: 'team-a', otherNamespace: 'team-b',
      identity: ALLOWED, deniedIdentity: DENIED, reviewerIdentity: REVIEWER, mutate: true,
    });
  });
  after(() => setup.close());

  test('no check fails', (t) => {
    t.diagnostic(`${report.totalPassed} passed, ${report.totalFailed} failed, ${report.totalSkipped} skipped`);
    const failed = report.categories.flatMap((c) => c.tests.filter((t) => t.status === 'failed').map((t) => `${t.name}: ${t.message}`));
    assert.deepEqual(failed, [], formatText(report));
    assert.equal(report.result, 'pass');
    assert.ok(report.totalPassed > 0);
  });

  test('the only skips are the checks this configuration cannot exercise', () => {
    assert.deepEqual(Object.fromEntries(skippedChecks(report)), NOT_APPLICABLE, formatText(report));
  });

  test('every category ran, per served plugin where per-plugin', () => {
    const ran = new Set(report.categories.map((c) => `${c.id}${c.plugin ? `:${c.plugin}` : ''}`));
    for (const id of ['D', 'E', 'F', 'G', 'H', 'I', 'J']) assert.ok(ran.has(id), id);
    for (const plugin of SAR_SETUP_PLUGINS) for (const id of ['A', 'B', 'C']) assert.ok(ran.has(`${id}:${plugin}`), `${id}:${plugin}`);
  });

  test('the identities were exercised: denied writes refused and audited, the approval decided by the reviewer', async () => {
    const passed = (name: string) => report.categories.some((c) => c.tests.some((t) => t.name === name && t.status === 'passed'));
    for (const name of ['security.denied.apply_source', 'audit.denied_outcome', 'governance.self_approval', 'governance.approval', 'tenancy.isolation.entities']) assert.ok(passed(name), name);
    const governance = report.categories.flatMap((c) => c.tests).find((t) => t.name === 'tenancy.isolation.governance');
    assert.match(governance?.message ?? '', /once applied there too/, 'the same entity existed in team-b with its own record');
    // Nothing of the run is left in either tenant (the core's cleanup), team-b's fixture source included.
    for (const namespace of ['team-a', 'team-b']) {
      for (const plugin of SAR_SETUP_PLUGINS) {
        const sources = await fetch(`${setup.url}/api/${plugin}_catalog/v1alpha1/management/sources?namespace=${namespace}`, { headers: { 'x-remote-user': 'ops-admin' } });
        assert.equal(sources.status, 200);
        const ids = ((await sources.json()) as { sources: { id: string }[] }).sources.map((s) => s.id);
        assert.deepEqual(ids, [`${namespace}-${plugin}`], `${namespace} ${plugin}`);
      }
    }
  });
});
