import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPostgresTestDatabase, describeEachDatabase } from '../testing/databases.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

const M = '/api/mcp_catalog/v1alpha1/management';
const LIST = '/api/mcp_catalog/v1alpha1/mcpservers?pageSize=100';

const SOURCES = `# Sources of the management tests.
apiVersion: catalog/v1alpha1
kind: CatalogSources
catalogs:
  mcp:
    sources:
      # the main sample source
      - id: mcp-samples
        name: MCP Servers
        type: yaml
        labels: [MCP Servers]
        properties:
          yamlCatalogPath: servers.yaml
      - id: mcp-more
        name: More servers
        type: yaml
        properties: {yamlCatalogPath: more.yaml} # kept as written
`;
const SERVERS = `mcpservers:
  - {name: cluster-ops-mcp, serverUrl: "stdio://cluster-ops", deploymentMode: local}
  - {name: ledger-mcp, serverUrl: "https://ledger.example.test/mcp", deploymentMode: remote}
  - {name: notes-mcp, serverUrl: "stdio://notes", deploymentMode: local}
`;
const MORE = 'mcpservers:\n  - {name: weather-mcp, serverUrl: "stdio://weather", deploymentMode: local}\n';
const TWO = 'mcpservers:\n  - {name: echo-one, serverUrl: "stdio://one", deploymentMode: local}\n  - {name: echo-two, serverUrl: "stdio://two", deploymentMode: local}\n';
const FILES = { 'sources.yaml': SOURCES, 'servers.yaml': SERVERS, 'more.yaml': MORE };

type Json = Record<string, any>;

function client(t: () => TestServer) {
  const send = async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await t().inject({
      method, url,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: JSON.parse(response.body || 'null') as Json, headers: response.headers };
  };
  return {
    send,
    sources: async (query = '') => (await send('GET', `${M}/sources${query}`)).body,
    source: async (id: string) => (await send('GET', `${M}/sources`)).body.sources.find((s: Json) => s.id === id) as Json | undefined,
    names: async (sourceId?: string) =>
      (await send('GET', LIST)).body.items.filter((i: Json) => sourceId === undefined || i.sourceId === sourceId).map((i: Json) => i.name as string).sort(),
    apply: (body: Json, headers: Record<string, string> = {}) => send('POST', `${M}/apply-source`, body, headers),
    validate: (id: string, body: Json) => send('POST', `${M}/sources/${id}:validate`, body),
    revisions: (id: string) => send('GET', `${M}/sources/${id}/revisions`),
    rollback: (id: string, body: Json) => send('POST', `${M}/sources/${id}:rollback`, body),
  };
}

describeEachDatabase('source management, file store', (kind) => {
  let t: TestServer;
  const c = client(() => t);
  before(async () => {
    t = await startTestServer({ kind, files: FILES, args: ['--config-store=file'], env: { CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS: '3600', CATALOG_SECRET_T: 'secret-from-env' } });
  });
  after(() => t.close());

  test('GET sources lists the configured source with content, version and state (criteria 1, 2)', async () => {
    const list = await c.sources();
    const samples = list.sources.find((s: Json) => s.id === 'mcp-samples');
    assert.equal(list.count, 2);
    assert.equal(samples.type, 'yaml');
    assert.equal(samples.enabled, true);
    assert.deepEqual(samples.labels, ['MCP Servers']);
    assert.equal(samples.properties.yamlCatalogPath, 'servers.yaml');
    assert.equal(samples.properties.content, SERVERS);
    assert.match(samples.version, /^[0-9a-f]{64}$/);
    assert.equal(samples.status.state, 'available');
    assert.equal(samples.status.entityCount, 3);
    const without = await c.sources('?includeContent=false');
    assert.equal(without.sources[0].properties.content, undefined);
  });

  test('validation: required fields, YAML errors, layer order, warnings, strict fields, ids, types (criteria 3–9)', async () => {
    const empty = await c.send('POST', `${M}/validate-source`, {});
    assert.equal(empty.status, 200);
    assert.equal(empty.body.valid, false);
    for (const message of ['source ID is required', 'source name is required', 'source type is required']) {
      assert.ok(empty.body.errors.some((e: Json) => e.message === message), message);
    }

    const broken = await c.validate('x', { name: 'X', type: 'yaml', properties: { content: 'a: [b' } });
    assert.equal(broken.status, 200);
    assert.equal(broken.body.valid, false);
    assert.deepEqual(broken.body.layerResults.map((l: Json) => l.layer), ['yaml_parse']);
    assert.equal(broken.body.errors[0].field, 'properties.content');
    assert.match(broken.body.errors[0].message, /^YAML parse error: .* at line \d+, column \d+$/);

    const valid = await c.validate('x', { name: 'X', type: 'yaml', properties: { content: TWO } });
    assert.equal(valid.body.valid, true, JSON.stringify(valid.body));
    assert.deepEqual(valid.body.layerResults.map((l: Json) => l.layer), ['yaml_parse', 'strict_fields', 'semantic', 'security_warnings', 'provider']);
    assert.deepEqual(valid.body.errors, []);
    assert.deepEqual(valid.body.warnings, []);

    const token = await c.validate('x', { name: 'X', type: 'yaml', properties: { content: TWO, token: 'abc' } });
    assert.equal(token.body.valid, true);
    assert.deepEqual(token.body.warnings.map((w: Json) => w.field), ['properties.token']);
    const tokenizer = await c.validate('x', { name: 'X', type: 'yaml', properties: { content: TWO, tokenizer: 'bpe' } });
    assert.deepEqual(tokenizer.body.warnings, []);

    const unknown = await c.validate('x', { name: 'X', type: 'yaml', foo: 1, config: { any: 'thing' }, properties: { content: TWO } });
    const strict = unknown.body.layerResults.find((l: Json) => l.layer === 'strict_fields');
    assert.deepEqual(strict.errors, [{ field: 'foo', message: 'unknown field "foo"' }]);

    const badId = await c.send('POST', `${M}/validate-source`, { id: 'Bad_ID', name: 'X', type: 'yaml', properties: { content: TWO } });
    assert.ok(badId.body.errors.some((e: Json) => e.message.startsWith('source ID must contain only lowercase alphanumeric characters')));
    const longId = await c.send('POST', `${M}/validate-source`, { id: 'a'.repeat(64), name: 'X', type: 'yaml', properties: { content: TWO } });
    assert.ok(longId.body.errors.some((e: Json) => e.message === 'source ID must be 63 characters or fewer'));

    const hf = await c.validate('x', { name: 'X', type: 'hf' });
    const semantic = hf.body.layerResults.find((l: Json) => l.layer === 'semantic');
    assert.deepEqual(semantic.errors.map((e: Json) => e.message), ['unsupported source type "hf" for plugin "mcp"; supported types: yaml, git, http']);

    const mismatch = await c.validate('b', { id: 'a', name: 'X', type: 'yaml', properties: { content: TWO } });
    assert.ok(mismatch.body.errors.some((e: Json) => e.message === 'source ID in body ("a") does not match source ID in URL ("b")'));

    const types = await c.validate('x', { name: 3, type: 'yaml', enabled: 'yes', labels: [1], properties: { yamlCatalogPath: 5 } });
    assert.deepEqual(types.body.layerResults.find((l: Json) => l.layer === 'strict_fields').errors.map((e: Json) => e.message), [
      'name must be a string', 'enabled must be a boolean', 'labels must be an array of strings', 'properties.yamlCatalogPath must be a string',
    ]);
    const notObject = await c.send('POST', `${M}/validate-source`, [1]);
    assert.equal(notObject.status, 400);
    assert.match(notObject.body.message, /^invalid request body: /);
  });

  test('validation: oversize content, path traversal, git schemes and secret references (criteria 17, 55, 57)', async () => {
    const huge = await c.validate('x', { name: 'X', type: 'yaml', properties: { content: 'x'.repeat(10 * 1024 * 1024 + 1) } });
    assert.equal(huge.status, 200);
    assert.deepEqual(huge.body.errors.map((e: Json) => e.message), ['content exceeds maximum size of 10485760 bytes']);
    const traversal = await c.validate('x', { name: 'X', type: 'yaml', properties: { yamlCatalogPath: '../../../../etc/passwd' } });
    assert.deepEqual(traversal.body.errors.map((e: Json) => e.message), ['path "../../../../etc/passwd" resolves outside the allowed data roots']);
    const ssh = await c.validate('g', { name: 'G', type: 'git', properties: { repoUrl: 'ssh://git@example.com/x.git' } });
    assert.match(ssh.body.errors[0].message, /URL scheme "ssh" is not allowed/);
    const creds = await c.validate('g', { name: 'G', type: 'git', properties: { repoUrl: 'https://user:pw@host/x.git' } });
    assert.match(creds.body.errors[0].message, /repoUrl must not contain credentials/);
    const envSet = await c.validate('g', { name: 'G', type: 'git', properties: { repoUrl: 'https://git.example.test/x.git', authToken: { env: 'CATALOG_SECRET_T' } } });
    assert.equal(envSet.body.valid, true, JSON.stringify(envSet.body.errors));
    const envMissing = await c.validate('g', { name: 'G', type: 'git', properties: { repoUrl: 'https://git.example.test/x.git', authToken: { env: 'CATALOG_SECRET_NOPE' } } });
    assert.deepEqual(envMissing.body.errors.map((e: Json) => e.message), ['failed to resolve secret for property "authToken": environment variable "CATALOG_SECRET_NOPE" is not set']);
    const forbidden = await c.validate('g', { name: 'G', type: 'git', properties: { repoUrl: 'https://git.example.test/x.git', authToken: { env: 'DATABASE_DSN' } } });
    assert.match(forbidden.body.errors[0].message, /must start with "CATALOG_SECRET_"/);
    assert.ok(!JSON.stringify([envSet.body, envMissing.body, t.logs]).includes('secret-from-env'), 'the resolved secret never appears');
  });

  test('apply of content-only source stores managed content and loads it (criterion 10)', async () => {
    const applied = await c.apply({ id: 'mcp-inline', name: 'Inline', type: 'yaml', properties: { content: TWO } });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.equal(applied.body.status.state, 'available');
    assert.equal(applied.body.status.entityCount, 2);
    assert.match(applied.body.properties.managedContent, /^sha256:[0-9a-f]{64}$/);
    assert.equal(applied.body.properties.content, TWO);
    assert.deepEqual(await c.names('mcp-inline'), ['echo-one', 'echo-two']);
    for (const file of readdirSync(t.dir, { withFileTypes: true })) {
      if (file.isFile()) assert.ok(!readFileSync(join(t.dir, file.name), 'utf8').includes('echo-one'), file.name);
    }
  });

  test('an invalid apply is 422 and changes nothing (criteria 11, 15)', async () => {
    const before = [await c.sources(), await c.names()];
    const invalid = await c.apply({ id: 'mcp-samples', name: '', type: 'yaml' });
    assert.equal(invalid.status, 422);
    assert.equal(invalid.body.error, 'unprocessable_entity');
    assert.equal(invalid.body.valid, false);
    assert.ok(Array.isArray(invalid.body.layerResults));
    const badItem = await c.apply({ id: 'mcp-samples', name: 'MCP Servers', type: 'yaml', properties: {
      yamlCatalogPath: 'servers.yaml', content: 'mcpservers:\n  - {name: fine, serverUrl: "stdio://a", deploymentMode: local}\n  - {name: broken, deploymentMode: local}\n',
    } });
    assert.equal(badItem.status, 422);
    const provider = badItem.body.layerResults.find((l: Json) => l.layer === 'provider');
    assert.match(provider.errors[0].message, /^item 2 \("broken"\) at /);
    const malformed = await c.apply({ id: 'mcp-samples', name: 'MCP Servers', type: 'yaml', properties: { content: 'mcpservers: [' } });
    assert.equal(malformed.status, 422);
    assert.match(malformed.body.message, /^source validation failed: YAML parse error: .* at line \d+, column \d+$/);
    assert.deepEqual([await c.sources(), await c.names()], before);
  });

  test('content round trip, changed content, content null (criteria 12, 13, 14)', async () => {
    const samples = (await c.source('mcp-samples'))!;
    const revisionsBefore = (await c.revisions('mcp-samples')).body.count;
    const same = await c.apply({ id: 'mcp-samples', name: 'MCP Servers', type: 'yaml', properties: samples.properties });
    assert.equal(same.status, 200);
    assert.equal(same.body.properties.managedContent, undefined);
    assert.equal(same.body.version, samples.version);
    assert.equal((await c.revisions('mcp-samples')).body.count, revisionsBefore);

    const edited = SERVERS.replace('notes-mcp', 'journal-mcp');
    const changed = await c.apply({ id: 'mcp-samples', name: 'MCP Servers', type: 'yaml', properties: { ...samples.properties, content: edited } });
    assert.equal(changed.status, 200);
    assert.deepEqual(await c.names('mcp-samples'), ['cluster-ops-mcp', 'journal-mcp', 'ledger-mcp']);
    assert.equal(readFileSync(join(t.dir, 'servers.yaml'), 'utf8'), SERVERS);
    assert.equal((await c.source('mcp-samples'))!.properties.content, edited);

    const back = await c.apply({ id: 'mcp-samples', name: 'MCP Servers', type: 'yaml', properties: { yamlCatalogPath: 'servers.yaml', content: null } });
    assert.equal(back.status, 200);
    assert.equal(back.body.properties.managedContent, undefined);
    assert.deepEqual(await c.names('mcp-samples'), ['cluster-ops-mcp', 'ledger-mcp', 'notes-mcp']);
  });

  test('redaction in responses and the placeholder round trip (criteria 6, 18, 19)', async () => {
    const properties = {
      content: TWO, password: 'hunter2', headers: { Authorization: 'Bearer xyz' }, apiKey: 'k-123', tokenizer: 'bpe',
      apiKeyEnvVar: 'MY_KEY', auth: { token: { env: 'CATALOG_SECRET_T' } },
    };
    const applied = await c.apply({ id: 'mcp-secret', name: 'Secret', type: 'yaml', properties });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    const listed = (await c.source('mcp-secret'))!.properties;
    assert.equal(listed.password, '***REDACTED***');
    assert.equal(listed.headers.Authorization, '***REDACTED***');
    assert.equal(listed.apiKey, '***REDACTED***');
    assert.equal(listed.tokenizer, 'bpe');
    assert.equal(listed.apiKeyEnvVar, 'MY_KEY');
    assert.deepEqual(listed.auth.token, { env: 'CATALOG_SECRET_T' });
    const stored = readFileSync(join(t.dir, 'sources.yaml'), 'utf8');
    assert.ok(stored.includes('hunter2'), 'the store keeps the value as given');

    const roundTrip = await c.apply({ id: 'mcp-secret', name: 'Secret renamed', type: 'yaml', properties: listed });
    assert.equal(roundTrip.status, 200);
    assert.ok(readFileSync(join(t.dir, 'sources.yaml'), 'utf8').includes('hunter2'), 'the placeholder kept the stored secret');
    const fresh = await c.apply({ id: 'mcp-other', name: 'Other', type: 'yaml', properties: { content: TWO, password: '***REDACTED***' } });
    assert.equal(fresh.status, 422);
    assert.equal(fresh.body.message, 'source validation failed: property "password" contains the redaction placeholder');
    assert.ok(!JSON.stringify([roundTrip.body, await c.sources(), t.logs]).includes('hunter2'));
  });

  test('enable and disable (criteria 20, 21)', async () => {
    const disabled = await c.send('POST', `${M}/sources/mcp-samples/enable`, { enabled: false });
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.status.state, 'disabled');
    assert.deepEqual(await c.names('mcp-samples'), []);
    const enabled = await c.send('POST', `${M}/sources/mcp-samples/enable`, { enabled: true });
    assert.equal(enabled.body.status.state, 'available');
    assert.deepEqual(await c.names('mcp-samples'), ['cluster-ops-mcp', 'ledger-mcp', 'notes-mcp']);
    const missing = await c.send('POST', `${M}/sources/mcp-samples/enable`, {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.message, 'enabled (boolean) is required');
    const unknown = await c.send('POST', `${M}/sources/nope/enable`, { enabled: true });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.message, 'source "nope" not found');
  });

  test('revisions per source, rollback to import, after delete, and of managed content (criteria 22–28)', async () => {
    await c.apply({ id: 'mcp-samples', name: 'Renamed once', type: 'yaml' });
    await c.apply({ id: 'mcp-samples', name: 'Renamed twice', type: 'yaml' });
    const revisions = (await c.revisions('mcp-samples')).body;
    assert.equal(revisions.count, revisions.revisions.length);
    for (const r of revisions.revisions) {
      assert.match(r.version, /^[0-9a-f]{8}$/);
      assert.match(r.digest, /^[0-9a-f]{64}$/);
      assert.equal(typeof r.size, 'number');
    }
    const actions = revisions.revisions.map((r: Json) => r.action);
    assert.ok(actions.includes('import') && actions.includes('apply'));
    assert.equal(revisions.revisions.filter((r: Json) => r.current).length, 1);
    assert.equal(revisions.revisions[0].current, true);
    const times = revisions.revisions.map((r: Json) => r.timestamp);
    assert.deepEqual(times, [...times].sort().reverse());

    const count = revisions.count;
    await c.apply({ id: 'mcp-more', name: 'More servers, renamed', type: 'yaml' });
    assert.equal((await c.revisions('mcp-samples')).body.count, count);

    const imported = revisions.revisions.find((r: Json) => r.action === 'import');
    const more = await c.source('mcp-more');
    const rolled = await c.rollback('mcp-samples', { version: imported.version });
    assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
    assert.equal(rolled.body.status, 'rolled_back');
    assert.match(rolled.body.version, /^[0-9a-f]{64}$/);
    assert.equal(rolled.body.source.name, 'MCP Servers');
    assert.deepEqual(await c.source('mcp-more'), more);

    // Overlays survive delete and come back with the source.
    const tagged = await c.send('POST', `${M}/entities/cluster-ops-mcp:action`, { action: 'tag', params: { tags: ['kept'] } });
    assert.equal(tagged.status, 200);
    const deleted = await c.send('DELETE', `${M}/sources/mcp-samples`);
    assert.deepEqual(deleted.body, { status: 'deleted', id: 'mcp-samples' });
    assert.deepEqual(await c.names('mcp-samples'), []);
    assert.equal((await c.send('DELETE', `${M}/sources/mcp-samples`)).status, 404);
    const history = (await c.revisions('mcp-samples')).body;
    assert.ok(history.count > 0);
    assert.ok(history.revisions.every((r: Json) => r.current === false));
    const restored = await c.rollback('mcp-samples', { version: imported.digest });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual(await c.names('mcp-samples'), ['cluster-ops-mcp', 'ledger-mcp', 'notes-mcp']);
    const entity = (await c.send('GET', '/api/mcp_catalog/v1alpha1/mcpservers/cluster-ops-mcp')).body;
    assert.deepEqual(entity.tags, ['kept']);

    assert.equal((await c.rollback('mcp-samples', {})).body.message, 'version is required');
    const unknown = await c.rollback('mcp-samples', { version: 'deadbeef' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.message, 'revision "deadbeef" not found for source "mcp-samples"');
    assert.equal((await c.rollback('mcp-samples', { version: 'xyz' })).body.message, 'version must be at least 8 hexadecimal characters');
    assert.equal((await c.revisions('never-existed')).status, 404);
    assert.equal((await c.send('GET', `${M}/sources/..%2F..%2Fetc/revisions`)).status, 404);
    const noSource = await c.rollback('never-existed', { version: 'deadbeef' });
    assert.deepEqual([noSource.status, noSource.body.message], [404, 'source "never-existed" not found']);

    const first = 'mcpservers:\n  - {name: first-text, serverUrl: "stdio://f", deploymentMode: local}\n';
    await c.apply({ id: 'mcp-text', name: 'Text', type: 'yaml', properties: { content: first } });
    await c.apply({ id: 'mcp-text', name: 'Text', type: 'yaml', properties: { content: TWO } });
    const textRevisions = (await c.revisions('mcp-text')).body.revisions;
    const oldest = textRevisions[textRevisions.length - 1];
    await c.rollback('mcp-text', { version: oldest.version });
    assert.equal((await c.source('mcp-text'))!.properties.content, first);
    assert.deepEqual(await c.names('mcp-text'), ['first-text']);
  });

  test('preconditions, concurrent applies and external edits (criteria 30, 31, 32)', async () => {
    const current = (await c.source('mcp-more'))!;
    const stale = await c.apply({ id: 'mcp-more', name: 'Stale' , type: 'yaml' }, { 'if-match': '"0000000000000000"' });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.currentVersion, current.version);
    assert.equal(stale.body.message, `source "mcp-more" has changed (current version ${current.version.slice(0, 8)})`);
    assert.equal((await c.source('mcp-more'))!.name, current.name);

    const racing = await Promise.all(['Racer A', 'Racer B'].map((name) => c.apply({ id: 'mcp-more', name, type: 'yaml', expectedVersion: current.version })));
    assert.deepEqual(racing.map((r) => r.status).sort(), [200, 409]);
    const winner = racing.find((r) => r.status === 200)!;
    assert.equal((await c.source('mcp-more'))!.name, winner.body.name);

    const path = join(t.dir, 'sources.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace(`name: ${winner.body.name}`, 'name: Edited by hand'));
    const conflicted = await c.apply({ id: 'mcp-more', name: 'After the edit', type: 'yaml' });
    assert.equal(conflicted.status, 409);
    assert.equal(conflicted.body.message, 'config was modified externally, retry the operation');
    for (let i = 0; i < 50 && (await c.source('mcp-more'))!.name !== 'Edited by hand'; i++) await new Promise((r) => setTimeout(r, 50));
    const retried = await c.apply({ id: 'mcp-more', name: 'After the edit', type: 'yaml' });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const actions = (await c.revisions('mcp-more')).body.revisions.map((r: Json) => r.action);
    assert.ok(actions.includes('external'));
  });

  test('refreshAfterApply false answers loading; a disabled apply loads nothing; create preconditions', async () => {
    const later = await c.apply({ id: 'mcp-later', name: 'Later', type: 'yaml', refreshAfterApply: false, properties: { content: TWO } });
    assert.equal(later.status, 200);
    assert.equal(later.body.status.state, 'loading');
    // With jobs enabled the refresh is a job of the apply's request (05 §5.3).
    const jobs = (await c.send('GET', '/api/jobs/v1alpha1/refresh?sourceId=mcp-later')).body.jobs as Json[];
    assert.equal(jobs.length, 1);
    assert.deepEqual({ plugin: jobs[0].plugin, requestId: jobs[0].requestId }, { plugin: 'mcp', requestId: later.headers['x-request-id'] });
    for (let i = 0; i < 100 && (await c.source('mcp-later'))!.status.state === 'loading'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await c.source('mcp-later'))!.status.state, 'available');
    const off = await c.apply({ id: 'mcp-off', name: 'Off', type: 'yaml', enabled: false, properties: { content: TWO } }, { 'if-match': '*' });
    assert.equal(off.status, 409, 'If-Match: * requires the source to exist');
    const created = await c.apply({ id: 'mcp-off', name: 'Off', type: 'yaml', enabled: false, expectedVersion: '', properties: { content: TWO } });
    assert.equal(created.body.status.state, 'disabled');
    assert.deepEqual(await c.names('mcp-off'), []);
    const again = await c.apply({ id: 'mcp-off', name: 'Off', type: 'yaml', expectedVersion: '' });
    assert.equal(again.status, 409, 'expectedVersion "" requires the source not to exist');
  });

  test('the saved file keeps comments and other sources; history snapshots exist (criterion 34)', async () => {
    const text = readFileSync(join(t.dir, 'sources.yaml'), 'utf8');
    assert.ok(text.startsWith('# Sources of the management tests.'));
    assert.ok(text.includes('# the main sample source'));
    assert.ok(existsSync(join(t.dir, '.history', 'default', 'mcp', 'mcp-samples')));
    assert.ok(readdirSync(join(t.dir, '.history', 'default', 'mcp', 'mcp-samples')).length > 0);
    assert.ok(!readdirSync(t.dir).some((f) => f.endsWith('.tmp') || f === '.sources.lock'));
  });
});

describeEachDatabase('source management, other stores', (kind) => {
  test('a read-only sources file serves reads and refuses writes with 503 (criterion 33)', async () => {
    const t = await startTestServer({ kind, files: FILES, args: ['--config-store=file'] });
    const c = client(() => t);
    try {
      chmodSync(join(t.dir, 'sources.yaml'), 0o444);
      const before = await c.sources();
      assert.equal(before.count, 2);
      for (const response of [
        await c.apply({ id: 'mcp-samples', name: 'Read only', type: 'yaml' }),
        await c.send('POST', `${M}/sources/mcp-samples/enable`, { enabled: false }),
        await c.send('DELETE', `${M}/sources/mcp-samples`),
      ]) {
        assert.equal(response.status, 503);
        assert.deepEqual([response.body.error, response.body.message], ['service_unavailable', 'config store is read-only']);
      }
      assert.deepEqual(await c.sources(), before);
      assert.equal(readFileSync(join(t.dir, 'sources.yaml'), 'utf8'), SOURCES);
    } finally {
      await t.close();
    }
  });

  test('reconcile picks up an edit of the sources file (criterion 29)', async () => {
    const t = await startTestServer({ kind, files: FILES, args: ['--config-store=file'], env: { CATALOG_CONFIG_RECONCILE_INTERVAL_SECONDS: '1' } });
    const c = client(() => t);
    try {
      const path = join(t.dir, 'sources.yaml');
      writeFileSync(path, readFileSync(path, 'utf8').replace('name: MCP Servers', 'name: Renamed on disk').replace('id: mcp-more', 'id: mcp-more\n        enabled: false'));
      let name = '';
      for (let i = 0; i < 50 && name !== 'Renamed on disk'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        name = (await c.source('mcp-samples'))!.name;
      }
      assert.equal(name, 'Renamed on disk');
      const actions = (await c.revisions('mcp-samples')).body.revisions.map((r: Json) => r.action);
      assert.deepEqual(actions, ['external', 'import']);
      for (let i = 0; i < 50 && (await c.names('mcp-more')).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await c.names('mcp-more'), []);

      // A source added through the API has its data file watched like one read at startup.
      writeFileSync(join(t.dir, 'watched.yaml'), TWO);
      assert.equal((await c.apply({ id: 'mcp-watched', name: 'Watched', type: 'yaml', properties: { yamlCatalogPath: 'watched.yaml' } })).status, 200);
      await new Promise((r) => setTimeout(r, 6000));
      writeFileSync(join(t.dir, 'watched.yaml'), TWO.replace('echo-two', 'echo-three'));
      let names: string[] = [];
      for (let i = 0; i < 150 && !names.includes('echo-three'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        names = await c.names('mcp-watched');
      }
      assert.deepEqual(names, ['echo-one', 'echo-three']);

      // A document that no longer parses keeps the previous configuration and shows in diagnostics.
      const before = await c.sources();
      writeFileSync(path, 'catalogs: [broken\n');
      let errors: Json[] = [];
      for (let i = 0; i < 50 && errors.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        errors = (await c.send('GET', `${M}/diagnostics`)).body.errors.filter((e: Json) => e.source === 'config-store');
      }
      assert.equal(errors.length, 1);
      assert.match(errors[0].message, /line \d+, column \d+/);
      assert.deepEqual(await c.sources(), before);
      const refused = await c.apply({ id: 'mcp-samples', name: 'While broken', type: 'yaml' });
      assert.equal(refused.status, 503);
    } finally {
      await t.close();
    }
  });

  test('the none store applies in memory and has no revisions (criterion 27)', async () => {
    const t = await startTestServer({ kind, files: FILES, args: ['--config-store=none'] });
    const c = client(() => t);
    try {
      const applied = await c.apply({ id: 'mcp-samples', name: 'In memory', type: 'yaml' });
      assert.equal(applied.status, 200);
      assert.equal(readFileSync(join(t.dir, 'sources.yaml'), 'utf8'), SOURCES);
      assert.deepEqual((await c.revisions('mcp-samples')).body, { revisions: [], count: 0 });
      const rollback = await c.rollback('mcp-samples', { version: 'deadbeef' });
      assert.equal(rollback.status, 400);
      assert.equal(rollback.body.message, 'no config store configured, rollback not available');
    } finally {
      await t.close();
    }
  });
});

describeEachDatabase('source management, db store', (kind) => {
  test('seeds once, keeps applies across restarts, never re-imports (criterion 59)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'catalog-db-store-'));
    const database = kind === 'postgres' ? await createPostgresTestDatabase() : undefined;
    const start = () => startTestServer({
      kind, files: FILES, args: ['--config-store=db', ...(kind === 'pglite' ? [`--data-dir=${dataDir}`] : [])],
      env: database ? { DATABASE_DSN: database.url } : {},
    });
    try {
      let t = await start();
      let c = client(() => t);
      assert.deepEqual((await c.sources()).sources.map((s: Json) => s.id), ['mcp-samples', 'mcp-more']);
      assert.deepEqual((await c.revisions('mcp-samples')).body.revisions.map((r: Json) => r.action), ['import']);
      assert.equal((await c.apply({ id: 'mcp-inline', name: 'Inline', type: 'yaml', properties: { content: TWO } })).status, 200);
      assert.equal((await c.apply({ id: 'mcp-samples', name: 'Renamed in db', type: 'yaml' })).status, 200);
      await t.close();

      t = await start();
      c = client(() => t);
      assert.equal((await c.source('mcp-samples'))!.name, 'Renamed in db');
      assert.deepEqual(await c.names('mcp-inline'), ['echo-one', 'echo-two']);
      assert.deepEqual((await c.revisions('mcp-samples')).body.revisions.map((r: Json) => r.action), ['apply', 'import']);
      for (const id of ['mcp-samples', 'mcp-more', 'mcp-inline']) assert.equal((await c.send('DELETE', `${M}/sources/${id}`)).status, 200);
      await t.close();

      t = await start();
      c = client(() => t);
      assert.deepEqual(await c.sources(), { sources: [], count: 0 });
      await t.close();
    } finally {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('source management, namespaces', () => {
  test('a source applied in team-a is invisible to team-b (criterion 58)', async () => {
    const t = await startTestServer({ kind: 'pglite', files: FILES, args: ['--config-store=file'], env: { CATALOG_TENANCY_MODE: 'namespace' } });
    const c = client(() => t);
    try {
      const a = { 'x-namespace': 'team-a' };
      const b = { 'x-namespace': 'team-b' };
      const applied = await c.send('POST', `${M}/apply-source`, { id: 'shared', name: 'Shared', type: 'yaml', properties: { content: TWO } }, a);
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      assert.equal(applied.body.namespace, 'team-a');
      assert.deepEqual((await c.send('GET', `${M}/sources`, undefined, a)).body.sources.map((s: Json) => s.id), ['shared']);
      assert.deepEqual((await c.send('GET', `${M}/sources`, undefined, b)).body.sources, []);
      assert.equal((await c.send('GET', LIST, undefined, a)).body.items.length, 2);
      assert.equal((await c.send('GET', LIST, undefined, b)).body.items.length, 0);
      assert.equal((await c.send('DELETE', `${M}/sources/shared`, undefined, b)).status, 404);
      assert.equal((await c.send('GET', LIST, undefined, a)).body.items.length, 2);
      assert.ok(existsSync(join(t.dir, 'namespaces', 'team-a', 'sources.yaml')));
    } finally {
      await t.close();
    }
  });
});
