import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPOSITORY_ROOT } from '../bundledPlugins.js';
import { createGitFixture, readFixtureFiles, type GitFixture } from '../testing/gitFixture.js';
import { describeEachDatabase } from '../testing/databases.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

const FIXTURES = join(REPOSITORY_ROOT, 'plugins/agents/test/fixtures');

/** Spec 02 §12 item 18 end to end: a git source of agents over the run-time fixture repository. */
describeEachDatabase('git source of agents', (kind) => {
  let repo: GitFixture;
  let t: TestServer;
  let firstCommit: string;
  before(async () => {
    repo = await createGitFixture(await readFixtureFiles(join(FIXTURES, 'git')));
    firstCommit = repo.commits[0];
    const sources = `catalogs:
  agents:
    sources:
      - id: agents-git
        name: Agents from git
        type: git
        properties: {repoUrl: "${repo.url}", syncInterval: 10s}
      - id: agents-pinned
        name: Pinned agents
        type: git
        properties: {repoUrl: "${repo.url}", revision: "${firstCommit}"}
`;
    t = await startTestServer({ kind, files: { 'sources.yaml': sources }, env: { CATALOG_DATA_ROOTS: `${repo.dir}:${REPOSITORY_ROOT}` } });
  });
  after(async () => {
    await t?.close();
    await repo?.cleanup();
  });

  test('loads the agents of agents/*.yaml, skips the skills file, reports the invalid entry with its repository path', async () => {
    const list = JSON.parse((await t.inject('/api/agents_catalog/v1alpha1/agents?sourceId=agents-git')).body);
    assert.deepEqual(list.items.map((a: { name: string }) => a.name).sort(), ['capacity-forecaster', 'deploy-watch', 'on-call-briefer', 'standup-digest']);
    const rejected = t.logs.find((l) => l.msg === 'entry rejected' && l.sourceId === 'agents-git');
    assert.ok(rejected);
    assert.deepEqual([rejected.file, rejected.line, rejected.column, rejected.path, rejected.name], ['agents/experimental.yaml', 15, 5, 'agents[1].agentType', 'hallway-chatbot']);
    const entity = JSON.parse((await t.inject('/api/agents_catalog/v1alpha1/agents/deploy-watch?sourceId=agents-git')).body);
    assert.equal(entity.provenance.type, 'git');
    assert.equal(entity.provenance.commit, firstCommit);
    assert.equal(entity.provenance.path, 'agents/on-call.yaml');
  });

  test('a new commit is served after the periodic sync; the pinned source keeps the old content', async () => {
    await repo.commit(await readFixtureFiles(join(FIXTURES, 'git-update')), 'add release notes writer');
    let names: string[] = [];
    for (let i = 0; i < 60 && !names.includes('release-notes-writer'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const list = JSON.parse((await t.inject('/api/agents_catalog/v1alpha1/agents?sourceId=agents-git')).body);
      names = list.items.map((a: { name: string }) => a.name);
    }
    assert.ok(names.includes('release-notes-writer'), 'the periodic sync picked up the new commit');
    const pinned = JSON.parse((await t.inject('/api/agents_catalog/v1alpha1/agents?sourceId=agents-pinned')).body);
    assert.equal(pinned.items.some((a: { name: string }) => a.name === 'release-notes-writer'), false);
  });
});
