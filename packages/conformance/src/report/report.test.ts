import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveOptions } from '../options.js';
import { CategoryRecorder } from '../run/CategoryRecorder.js';
import { buildReport, reportJson } from './buildReport.js';
import { formatText } from './formatText.js';

async function sampleCategories() {
  const server = new CategoryRecorder('A', 'capabilities');
  await server.check('server.plugins.list', () => '1 plugins');
  const mcp = new CategoryRecorder('A', 'capabilities', 'mcp');
  await mcp.check('mcp.schemaVersion', () => undefined);
  await mcp.check('mcp.entity.McpServer.columns', (t) => t.fail('no columns'));
  await mcp.check('mcp.plugin.name', () => {
    throw new Error('boom');
  });
  mcp.skipAll('not requested', ['mcp.expected.kinds']);
  return [server.toReport(), mcp.toReport()];
}

describe('conformance report (07 §4.4)', () => {
  test('fields: totals, result, pluginName and plugin only when given, message only when non-empty, no tokens', async () => {
    const options = resolveOptions({ serverUrl: 'http://localhost:8080/', identity: { user: 'alice', token: 'secret' }, deniedIdentity: { token: 'other-secret' }, skip: ['openapi', 'a'], mutate: true });
    const report = buildReport(options, new Date('2026-03-01T10:00:00.000Z'), await sampleCategories());
    assert.equal(report.timestamp, '2026-03-01T10:00:00.000Z');
    assert.equal(report.serverURL, 'http://localhost:8080');
    assert.equal('pluginName' in report, false);
    assert.equal(report.harnessVersion, '1.0.0');
    assert.deepEqual(report.options, { user: 'alice', mutate: true, skip: ['openapi', 'capabilities'], timeoutMs: 10000, readyTimeoutMs: 60000, jobTimeoutMs: 60000 });
    assert.ok(!reportJson(report).includes('secret'));
    assert.equal('plugin' in report.categories[0], false);
    assert.equal(report.categories[1].plugin, 'mcp');
    assert.deepEqual([report.totalPassed, report.totalFailed, report.totalSkipped], [2, 2, 1]);
    assert.equal(report.result, 'fail');
    const tests = report.categories[1].tests;
    assert.equal('message' in tests[0], false);
    assert.equal(typeof tests[0].durationMs, 'number');
    assert.deepEqual(tests.map((t) => [t.status, t.message]), [['passed', undefined], ['failed', 'no columns'], ['failed', 'boom'], ['skipped', 'not requested']]);
    assert.equal(report.categories[0].tests[0].message, '1 plugins');
  });

  test('result is pass exactly when nothing failed; pluginName with --plugin', () => {
    const ok = new CategoryRecorder('E', 'observability');
    ok.skipAll('x', ['observability.metrics']);
    const report = buildReport(resolveOptions({ serverUrl: 'http://h:1', plugin: 'mcp' }), new Date(0), [ok.toReport()]);
    assert.equal(report.result, 'pass');
    assert.equal(report.pluginName, 'mcp');
  });

  test('a check recorded twice becomes one failure, not two records', async () => {
    const category = new CategoryRecorder('B', 'list_get', 'mcp');
    await category.check('mcp.mcpservers.list', () => 'ok');
    await category.check('mcp.mcpservers.list', () => 'again');
    assert.equal(category.tests.length, 1);
    assert.equal(category.tests[0].status, 'failed');
  });

  test('JSON has a two-space indent; the text form follows 4.4', async () => {
    const report = buildReport(resolveOptions({ serverUrl: 'http://localhost:8080', plugin: 'mcp' }), new Date('2026-03-01T10:00:00.000Z'), await sampleCategories());
    assert.match(reportJson(report), /^\{\n {2}"timestamp": "2026-03-01T10:00:00.000Z",\n/);
    assert.equal(
      formatText(report),
      [
        'Conformance Report -- 2026-03-01T10:00:00.000Z',
        'Plugin: mcp',
        'Server: http://localhost:8080',
        'Total: 2 passed, 2 failed, 1 skipped',
        '',
        '  [A capabilities] 1 passed, 0 failed, 0 skipped',
        '    [PASS] server.plugins.list -- 1 plugins',
        '',
        '  [A capabilities mcp] 1 passed, 2 failed, 1 skipped',
        '    [PASS] mcp.schemaVersion',
        '    [FAIL] mcp.entity.McpServer.columns -- no columns',
        '    [FAIL] mcp.plugin.name -- boom',
        '    [SKIP] mcp.expected.kinds -- not requested',
        '',
      ].join('\n'),
    );
  });
});
