import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CommonEntityFields, definePlugin, Enum, type PluginDeclaration } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import { canonicalJson } from '../../ingest/digest.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { createGitFixture, type GitFixture } from '../../testing/gitFixture.js';
import { startTestServer, type TestServer } from '../../testing/testServer.js';
import { GOV, governanceClient, governanceEnv } from '../../testing/governanceClient.js';

const parts: PluginDeclaration = definePlugin({
  name: 'parts', version: 'v1alpha1', displayName: 'Parts', description: 'Parts', icon: 'wrench', sourceTypes: ['yaml', 'git', 'http'],
  entities: [{
    kind: 'Part', plural: 'parts', displayName: 'Part', description: 'A part', notFoundPhrase: 'part',
    schema: Type.Object({ ...CommonEntityFields, material: Enum(['steel', 'wood']) }, { additionalProperties: false }),
    fields: { columns: [{ name: 'name', displayName: 'Name', path: 'name', type: 'string' as const, sortable: true }], filterFields: [], detailFields: [] },
    uiHints: { icon: 'wrench', nameField: 'name', detailSections: [] }, cliDefaultColumns: ['name'],
  }],
});
const LOCAL = 'parts:\n  - {name: northwind/helm-8b-instruct, material: steel, description: "a slashed name"}\n  - {name: plank, material: wood}\n';
const REMOTE = 'parts:\n  - {name: remote-bolt, material: steel}\n';
const alice = { user: 'alice' };

/** Versions and provenance acceptance criteria of spec 06 §17 (25–28). */
describeEachDatabase('governance versions and provenance', (kind) => {
  let server: TestServer;
  let origin: Server;
  let repo: GitFixture;
  let call: ReturnType<typeof governanceClient>;
  const part = (name: string) => `${GOV}/assets/parts/Part/${encodeURIComponent(name)}`;

  before(async () => {
    origin = createServer((_req, res) => res.writeHead(200, { ETag: '"rev-7"', 'Content-Type': 'application/yaml' }).end(REMOTE));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    repo = await createGitFixture({ 'parts.yaml': 'parts:\n  - {name: git-gear, material: steel}\n' });
    const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/parts.yaml`;
    const sources = `catalogs:
  parts:
    sources:
      - {id: local, name: Local, type: yaml, properties: {yamlCatalogPath: local.yaml}}
      - {id: from-git, name: Git, type: git, properties: {repoUrl: "${repo.url}", path: parts.yaml}}
      - {id: remote, name: Remote, type: http, properties: {url: "${url}"}}
`;
    server = await startTestServer({
      kind, plugins: [parts], files: { 'sources.yaml': sources, 'local.yaml': LOCAL },
      env: { ...governanceEnv({}), CATALOG_DATA_ROOTS: `${repo.dir}:/tmp` },
    });
    call = governanceClient(server);
  });
  after(async () => {
    await server?.close();
    await repo?.cleanup();
    origin?.close();
  });

  test('labels are validated and unique per asset', async () => {
    const url = `${part('plank')}/versions`;
    assert.equal((await call('POST', url, alice, {})).body!.message, 'versionLabel is required');
    for (const label of ['a:b', 'v 1', '-v1', 'x'.repeat(64)]) {
      const response = await call('POST', url, alice, { versionLabel: label });
      assert.equal(response.status, 400, label);
      assert.equal(response.body!.message, `invalid versionLabel "${label}": use 1-63 letters, digits, '.', '_', '+' or '-', starting with a letter or digit`);
    }
    assert.equal((await call('POST', url, alice, { versionLabel: 'v1.0+build_2' })).status, 201);
    const repeated = await call('POST', url, alice, { versionLabel: 'v1.0+build_2' });
    assert.equal(repeated.status, 409);
    assert.equal(repeated.body!.message, 'version label "v1.0+build_2" already exists for parts:Part:plank');
    const action = await call('POST', `${part('plank')}/actions/version.create`, alice, { params: { versionLabel: 'v2' } });
    assert.equal(action.status, 200);
    assert.equal(action.body!.status, 'completed');
    assert.match(action.body!.data.versionId, /^v2:[0-9a-f]{8}$/);
    const dry = await call('POST', `${part('plank')}/actions/version.create`, alice, { dryRun: true, params: { versionLabel: 'v3' } });
    assert.deepEqual(Object.keys(dry.body!.data).sort(), ['contentDigest', 'lifecycleState', 'versionLabel']);
    assert.equal((await call('GET', `${part('plank')}/versions`)).body!.totalSize, 2);
    assert.equal((await call('POST', `${part('plank')}/actions/version.create`, alice, { params: {} })).body!.message, `missing or invalid 'versionLabel' parameter`);
    const wrongSource = await call('POST', url, alice, { versionLabel: 'v9', sourceId: 'remote' });
    assert.equal(wrongSource.status, 404);
    assert.equal(wrongSource.body!.message, 'Part "plank" not found in source "remote"');
  });

  test('a yaml version: snapshot, digest, provenance; slashed names on the encoded path', async () => {
    const name = 'northwind/helm-8b-instruct';
    const record = await call('GET', part(name));
    assert.equal(record.status, 200);
    assert.equal(record.body!.assetRef.name, name);
    const created = await call('POST', `${part(name)}/versions`, alice, { versionLabel: 'v1', reason: 'first cut' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body!.assetSnapshot, undefined);
    const version = (await call('GET', `${part(name)}/versions/${encodeURIComponent(created.body!.versionId)}`)).body!;
    assert.deepEqual(version.assetSnapshot, { name, material: 'steel', description: 'a slashed name' });
    assert.equal(version.contentDigest, createHash('sha256').update(canonicalJson(version.assetSnapshot)).digest('hex'));
    assert.equal(version.governanceSnapshot.lifecycle.state, 'draft');
    assert.equal(version.lifecycleState, 'draft');
    assert.equal(version.reason, 'first cut');
    assert.equal(version.sourceId, 'local');
    assert.equal(version.provenance.sourceType, 'yaml');
    assert.equal(version.provenance.sourceId, 'local');
    assert.match(version.provenance.revisionId, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(version.provenance.integrity, { verified: true, method: 'sha256-content-hash', details: `sha256:${version.contentDigest}` });
    const other = (await call('GET', `${part('plank')}/versions`)).body!.versions[0].versionId as string;
    const foreign = await call('GET', `${part(name)}/versions/${encodeURIComponent(other)}`);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body!.message, `version "${other}" not found for parts:Part:${name}`);
    assert.equal((await call('PUT', `${part(name)}/bindings/dev`, alice, { versionId: created.body!.versionId })).status, 200);
    assert.equal((await call('GET', `${part(name)}/bindings`)).body!.bindings[0].versionLabel, 'v1');
  });

  test('git and http versions carry the commit and the ETag', async () => {
    const git = await call('POST', `${part('git-gear')}/versions`, alice, { versionLabel: 'v1' });
    assert.equal(git.status, 201, JSON.stringify(git.body));
    assert.equal(git.body!.provenance.sourceType, 'git');
    assert.equal(git.body!.provenance.revisionId, repo.commits.at(-1));
    assert.equal(git.body!.provenance.integrity.verified, true);
    const http = await call('POST', `${part('remote-bolt')}/versions`, alice, { versionLabel: 'v1' });
    assert.equal(http.body!.provenance.sourceType, 'http');
    assert.equal(http.body!.provenance.revisionId, '"rev-7"');
    assert.equal(http.body!.provenance.sourceUri.endsWith('/parts.yaml'), true);
  });
});
