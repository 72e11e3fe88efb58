import { rejection as rejectionOf } from '../testing/rejection.js';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { devNull, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { SourceConfig } from '../config/sourcesDocument.js';
import { sha256Hex } from '../ingest/digest.js';
import { createGitFixture, type GitFixture } from '../testing/gitFixture.js';
import {
  createGitProvider, execFileGitRunner, isValidRefName, MAX_GIT_FILES, resolveGitSettings,
  type GitCommand, type GitProviderOptions, type GitRunner,
} from './gitProvider.js';
import { compilePathGlob, pathGlobProblem } from './pathGlob.js';
import { ProviderError } from './ProviderError.js';
import { createSecretResolver } from './secretRefs.js';
import type { FetchedDocument, FetchResult, ProviderRequest } from './types.js';

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, ProviderError);

const runFile = promisify(execFile);

const AGENTS_A = 'agents:\n  - name: router-a\n';
const AGENTS_B = 'agents:\n  - name: router-b\n';
const FIXTURE_FILES = {
  'agents/a.yaml': AGENTS_A,
  'agents/b.yaml': AGENTS_B,
  'skills/tools.yaml': 'skills:\n  - name: lookup\n',
  'nested/deep/more.yaml': 'agents: []\n',
  'top.yaml': 'agents: []\n',
  'data.json': '{"agents": []}\n',
  'README.md': '# fixture\n',
};

let root: string;
let dataRoot: string;
let fixture: GitFixture;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'git-provider-test-'));
  dataRoot = join(root, 'data');
  fixture = await createGitFixture(FIXTURE_FILES, { parentDir: dataRoot });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A provider whose git commands are recorded (and optionally observed) before they run. */
function setup(overrides: Partial<GitProviderOptions> & { onCommand?: (command: GitCommand) => Promise<void> | void } = {}) {
  const calls: GitCommand[] = [];
  const runGit: GitRunner = async (command) => {
    calls.push(command);
    const result = await execFileGitRunner(command);
    await overrides.onCommand?.(command);
    return result;
  };
  const workDir = join(root, 'work');
  const provider = createGitProvider({
    fetchContext: { baseDir: dataRoot, dataRoots: [dataRoot], maxBytes: 1024 * 1024 },
    workDir,
    allowedSchemes: ['https', 'file'],
    timeoutSeconds: 30,
    resolveSecret: createSecretResolver({ env: {}, secretsDir: null }),
    runGit,
    ...overrides,
  });
  const fetch = (properties: Record<string, unknown>, options: Partial<Pick<ProviderRequest, 'previousState' | 'force'>> = {}) =>
    provider.fetch({ source: gitSource(properties), location: { namespace: 'default', plugin: 'agents', sourceId: 'repo' }, force: false, ...options });
  return { provider, fetch, calls, workDir };
}

function gitSource(properties: Record<string, unknown>): SourceConfig {
  return {
    id: 'repo', name: 'Repository', type: 'git', enabled: true, labels: [], properties,
    includedItems: [], excludedItems: [], line: 1, problems: [],
  };
}

function documentsOf(result: FetchResult): FetchedDocument[] {
  assert.ok(!result.unchanged, 'expected documents, got unchanged');
  return result.documents;
}


async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}

describe('path glob', () => {
  const matches = (glob: string, path: string) => compilePathGlob(glob).test(path);

  it('reads ** as zero or more whole segments', () => {
    assert.ok(matches('**/*.yaml', 'top.yaml'));
    assert.ok(matches('**/*.yaml', 'a/b/c.yaml'));
    assert.ok(matches('a/**/x.yaml', 'a/x.yaml'));
    assert.ok(matches('a/**/x.yaml', 'a/b/c/x.yaml'));
    assert.ok(!matches('a/**/x.yaml', 'ab/x.yaml'));
    assert.ok(matches('a/**', 'a/b/c.txt'));
  });

  it('keeps *, ? and classes within one segment', () => {
    assert.ok(matches('agents/*.yaml', 'agents/a.yaml'));
    assert.ok(!matches('agents/*.yaml', 'agents/sub/a.yaml'));
    assert.ok(!matches('*.yaml', 'agents/a.yaml'));
    assert.ok(matches('a?.yaml', 'ab.yaml'));
    assert.ok(!matches('a?.yaml', 'a/.yaml'));
    assert.ok(matches('[ab]*.yaml', 'b1.yaml'));
    assert.ok(!matches('[ab]*.yaml', 'c1.yaml'));
    assert.ok(matches('[!ab]*.yaml', 'c1.yaml'));
    assert.ok(matches('v[0-9].yaml', 'v7.yaml'));
    assert.ok(!matches('x[!a]y', 'x/y'));
  });

  it('treats other characters literally and is case-sensitive', () => {
    assert.ok(!matches('*.yaml', 'a.yamlx'));
    assert.ok(!matches('a.yaml', 'abyaml'));
    assert.ok(matches('(x)+{y}.yaml', '(x)+{y}.yaml'));
    assert.ok(!matches('*.yaml', 'A.YAML'));
    assert.ok(!matches('**/*.yaml', 'data.json'));
    assert.ok(matches('**/*.json', 'data.json'));
  });

  it('refuses absolute globs, .. and empty segments', () => {
    for (const glob of ['/etc/*.yaml', '../x/*.yaml', 'a/../b', 'a//b', '']) assert.ok(pathGlobProblem(glob), glob);
    assert.match(pathGlobProblem('[z-a].yaml') ?? '', /invalid character class/);
    assert.equal(pathGlobProblem('agents/**/*.yaml'), undefined);
  });
});

describe('git ref names', () => {
  it('follows git check-ref-format --branch', () => {
    for (const name of ['main', 'release/1.2', 'v1.0.0', 'feature-x', 'a'.repeat(40)]) assert.ok(isValidRefName(name), name);
    for (const name of ['', '-x', '/a', 'a/', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', '@', 'a@{1}', '.hidden', 'a/.b', 'x.lock', 'a.', 'a//b']) {
      assert.ok(!isValidRefName(name), name);
    }
  });
});

describe('git fixture', () => {
  it('produces reproducible commit SHAs', async () => {
    const again = await createGitFixture(FIXTURE_FILES, { parentDir: root });
    try {
      assert.equal(again.commits[0], fixture.commits[0]);
      assert.match(again.url, /^file:\/\//);
    } finally {
      await again.cleanup();
    }
  });
});

describe('git provider', () => {
  it('clones with the default glob and returns every .yaml file with provenance', async () => {
    const { fetch, calls, workDir } = setup();
    const result = await fetch({ repoUrl: fixture.url });
    const documents = documentsOf(result);
    assert.deepEqual(documents.map((d) => d.file), ['agents/a.yaml', 'agents/b.yaml', 'nested/deep/more.yaml', 'skills/tools.yaml', 'top.yaml']);
    assert.ok(!result.unchanged);
    assert.deepEqual(result.state, { commit: fixture.commits[0] });
    assert.equal(result.failedDocuments, undefined);

    const first = documents[0];
    assert.equal(first.text, AGENTS_A);
    assert.equal(first.digest, sha256Hex(AGENTS_A));
    const { fetchedAt, ...provenance } = first.provenance;
    assert.deepEqual(provenance, {
      type: 'git', uri: fixture.url, branch: 'main', commit: fixture.commits[0], path: 'agents/a.yaml', digest: `sha256:${sha256Hex(AGENTS_A)}`,
    });
    assert.ok(!Number.isNaN(Date.parse(String(fetchedAt))));

    // Shallow, single-branch, no submodules, `--` before the URL; the working copy is gone afterwards.
    const clone = calls.find((c) => c.args[0] === 'clone');
    assert.ok(clone);
    for (const arg of ['--single-branch', '--branch=main', '--depth', '--no-recurse-submodules', '--']) assert.ok(clone.args.includes(arg), arg);
    assert.equal(clone.args[clone.args.indexOf('--') + 1], fixture.url);
    assert.deepEqual(await filesBelow(join(workDir, 'default', 'agents', 'repo')), []);
  });

  it('runs git without a shell prompt, with only the allowed protocols and without the host configuration', async () => {
    const { fetch, calls } = setup();
    await fetch({ repoUrl: fixture.url });
    const { env } = calls[0];
    assert.equal(env.GIT_TERMINAL_PROMPT, '0');
    assert.equal(env.GIT_ALLOW_PROTOCOL, 'https:file');
    assert.equal(env.GIT_CONFIG_GLOBAL, devNull);
    assert.equal(env.GIT_CONFIG_NOSYSTEM, '1');
    const config = Object.fromEntries(
      Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [env[`GIT_CONFIG_KEY_${i}`], env[`GIT_CONFIG_VALUE_${i}`]]),
    );
    assert.deepEqual(config, { 'protocol.allow': 'never', 'protocol.https.allow': 'always', 'protocol.file.allow': 'always' });
    assert.equal(env.HOME, undefined);
  });

  it('selects files with the path glob; .json only when the glob says so', async () => {
    const { fetch } = setup();
    assert.deepEqual(documentsOf(await fetch({ repoUrl: fixture.url, path: 'agents/*.yaml' })).map((d) => d.file), ['agents/a.yaml', 'agents/b.yaml']);
    assert.deepEqual(documentsOf(await fetch({ repoUrl: fixture.url, path: '**/*.json' })).map((d) => d.file), ['data.json']);
    const none = await rejection(fetch({ repoUrl: fixture.url, path: 'nothing/*.yaml' }));
    assert.match(none.message, /^path "nothing\/\*\.yaml" matches no files at commit [0-9a-f]{40}$/);
  });

  it('reports the same commit as unchanged after one ls-remote, and re-reads it when forced', async () => {
    const { fetch, calls } = setup();
    const previousState = { commit: fixture.commits[0] };
    assert.deepEqual(await fetch({ repoUrl: fixture.url }, { previousState }), { unchanged: true });
    assert.deepEqual(calls.map((c) => c.args[0]), ['ls-remote']);
    assert.equal(documentsOf(await fetch({ repoUrl: fixture.url }, { previousState, force: true })).length, 5);
  });

  describe('with a second commit', () => {
    let repo: GitFixture;
    before(async () => {
      repo = await createGitFixture({ 'agents/a.yaml': AGENTS_A }, { parentDir: dataRoot });
      await repo.commit({ 'agents/c.yaml': 'agents:\n  - name: router-c\n' }, 'add router-c');
      await runFile('git', ['tag', 'v1', repo.commits[0]], { cwd: repo.dir });
      await runFile('git', ['tag', '-a', 'v1-annotated', '-m', 'release', repo.commits[0]], {
        cwd: repo.dir,
        env: { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: devNull, GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' },
      });
    });

    it('picks up the new commit', async () => {
      const { fetch } = setup();
      const result = await fetch({ repoUrl: repo.url }, { previousState: { commit: repo.commits[0] } });
      assert.deepEqual(documentsOf(result).map((d) => d.file), ['agents/a.yaml', 'agents/c.yaml']);
      assert.ok(!result.unchanged);
      assert.deepEqual(result.state, { commit: repo.commits[1] });
    });

    it('keeps the old content when pinned to a revision, ignoring branch', async () => {
      const { fetch, calls } = setup();
      for (const revision of [repo.commits[0], repo.commits[0].slice(0, 10), 'v1', 'v1-annotated']) {
        const result = await fetch({ repoUrl: repo.url, revision, branch: 'does-not-exist' });
        assert.deepEqual(documentsOf(result).map((d) => d.file), ['agents/a.yaml'], revision);
        assert.ok(!result.unchanged);
        assert.deepEqual(result.state, { commit: repo.commits[0] }, revision);
        assert.equal(result.documents[0].provenance.commit, repo.commits[0]);
        assert.equal(result.documents[0].provenance.branch, null);
      }
      // A pinned full SHA that was already applied needs no git command at all.
      calls.length = 0;
      assert.deepEqual(await fetch({ repoUrl: repo.url, revision: repo.commits[0] }, { previousState: { commit: repo.commits[0] } }), { unchanged: true });
      assert.deepEqual(calls, []);
      assert.deepEqual(await fetch({ repoUrl: repo.url, revision: 'v1-annotated' }, { previousState: { commit: repo.commits[0] } }), { unchanged: true });
    });

    it('clones the full history when shallowClone is false', async () => {
      const { fetch, calls } = setup();
      documentsOf(await fetch({ repoUrl: repo.url, shallowClone: false }));
      assert.ok(!calls.find((c) => c.args[0] === 'clone')?.args.includes('--depth'));
    });

    it('reports unknown branches and revisions', async () => {
      const { fetch } = setup();
      assert.equal((await rejection(fetch({ repoUrl: repo.url, branch: 'nope' }))).message, `branch "nope" not found in ${repo.url}`);
      assert.equal((await rejection(fetch({ repoUrl: repo.url, revision: 'no-such-tag' }))).message, `revision "no-such-tag" not found in ${repo.url}`);
      assert.equal((await rejection(fetch({ repoUrl: repo.url, revision: 'abcdef1234' }))).message, `revision "abcdef1234" not found in ${repo.url}`);
    });
  });

  it('skips symlinks leaving the repository and oversized files, and reads the rest', async () => {
    const repo = await createGitFixture({ 'agents/a.yaml': AGENTS_A, 'agents/big.yaml': `agents: []\n# ${'x'.repeat(400)}\n` }, { parentDir: dataRoot });
    const outside = join(root, 'outside.yaml');
    await writeFile(outside, 'agents:\n  - name: stolen\n');
    await symlink(outside, join(repo.dir, 'agents', 'leak.yaml'));
    await symlink('a.yaml', join(repo.dir, 'agents', 'alias.yaml'));
    await symlink('../.git/config', join(repo.dir, 'agents', 'gitconfig.yaml'));
    await repo.commit({}, 'add links');

    const { fetch } = setup({ fetchContext: { baseDir: dataRoot, dataRoots: [dataRoot], maxBytes: 200 } });
    const result = await fetch({ repoUrl: repo.url });
    assert.deepEqual(documentsOf(result).map((d) => [d.file, d.text]), [['agents/a.yaml', AGENTS_A], ['agents/alias.yaml', AGENTS_A]]);
    assert.ok(!result.unchanged);
    assert.deepEqual(result.failedDocuments, [
      { file: 'agents/big.yaml', message: 'file "agents/big.yaml" exceeds maximum size of 200 bytes' },
      { file: 'agents/gitconfig.yaml', message: 'file "agents/gitconfig.yaml": symbolic link resolves outside the repository' },
      { file: 'agents/leak.yaml', message: 'file "agents/leak.yaml": symbolic link resolves outside the repository' },
    ]);

    const onlyFailures = await rejection(fetch({ repoUrl: repo.url, path: 'agents/[bl]*.yaml' }));
    assert.equal(onlyFailures.message, 'no matched file could be read: file "agents/big.yaml" exceeds maximum size of 200 bytes (and 1 more)');
  });

  it(`fails when the glob matches more than ${MAX_GIT_FILES} files`, async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i <= MAX_GIT_FILES; i++) files[`many/f${i}.yaml`] = 'agents: []\n';
    const repo = await createGitFixture(files, { parentDir: dataRoot });
    const { fetch } = setup();
    assert.equal((await rejection(fetch({ repoUrl: repo.url }))).message, `path matches more than ${MAX_GIT_FILES} files`);
  });

  it('accepts a repository path relative to the base directory', async () => {
    const { fetch } = setup();
    const result = await fetch({ repoUrl: basename(fixture.dir), path: 'top.yaml' });
    assert.deepEqual(documentsOf(result).map((d) => d.file), ['top.yaml']);
    assert.equal(documentsOf(result)[0].provenance.uri, basename(fixture.dir));
  });

  describe('repoUrl checks (no git is run)', () => {
    const cases: [unknown, string][] = [
      [undefined, 'repoUrl is required'],
      ['', 'repoUrl is required'],
      [42, 'properties.repoUrl must be a string'],
      ['http://example.com/repo.git', 'URL scheme "http" is not allowed (allowed: https, file)'],
      ['ssh://git@example.com/repo.git', 'URL scheme "ssh" is not allowed (allowed: https, file)'],
      ['git@example.com:org/repo.git', 'URL scheme "ssh" is not allowed (allowed: https, file)'],
      ['ext::git-upload-pack', 'URL scheme "ext" is not allowed (allowed: https, file)'],
      ['git://example.com/repo.git', 'URL scheme "git" is not allowed (allowed: https, file)'],
      ['https://user:secret@example.com/repo.git', 'repoUrl must not contain credentials; use authToken with a secret reference'],
      ['https://token@example.com/repo.git', 'repoUrl must not contain credentials; use authToken with a secret reference'],
      ['--upload-pack=touch /tmp/pwned', 'repoUrl must not start with "-"'],
      ['-u', 'repoUrl must not start with "-"'],
      ['file:///etc', 'path "/etc" resolves outside the allowed data roots'],
      ['../outside-repo', 'file not found: ../outside-repo'],
    ];
    for (const [repoUrl, message] of cases) {
      it(`${String(repoUrl)} → ${message}`, async () => {
        const { fetch, calls } = setup();
        assert.equal((await rejection(fetch({ repoUrl }))).message, message);
        assert.deepEqual(calls, []);
      });
    }

    it('honours CATALOG_GIT_ALLOWED_SCHEMES', async () => {
      const { fetch } = setup({ allowedSchemes: ['https'] });
      assert.equal((await rejection(fetch({ repoUrl: fixture.url }))).message, 'URL scheme "file" is not allowed (allowed: https)');
    });
  });

  it('checks the other properties before running git', async () => {
    const settings = (properties: Record<string, unknown>) =>
      resolveGitSettings({ repoUrl: fixture.url, ...properties }, {
        fetchContext: { baseDir: dataRoot, dataRoots: [dataRoot], maxBytes: 1024 }, allowedSchemes: ['file'], timeoutSeconds: 120,
      });
    assert.equal((await rejection(settings({ branch: 'a..b' }))).message, 'branch "a..b" is not a valid branch name');
    assert.equal((await rejection(settings({ revision: '-x' }))).message, 'revision "-x" is not a valid commit SHA or tag name');
    assert.equal((await rejection(settings({ path: '../x' }))).message, 'path must be a relative glob without ".." or empty segments');
    assert.equal((await rejection(settings({ timeout: 'soon' }))).message, 'invalid duration "soon" for timeout');
    assert.equal((await rejection(settings({ shallowClone: 'yes' }))).message, 'properties.shallowClone must be a boolean');
    assert.equal((await rejection(settings({ authToken: 42 }))).message, 'properties.authToken must be a string or a secret reference');
    const parsed = await settings({ timeout: '1m30s', shallowClone: false });
    assert.equal(parsed.timeoutSeconds, 90);
    assert.equal(parsed.shallowClone, false);
    assert.equal(parsed.branch, 'main');
    assert.equal(parsed.pathGlob, '**/*.yaml');
    assert.equal((await settings({})).timeoutSeconds, 120);
  });
});

/**
 * A smart-HTTP git server on localhost (`git http-backend` behind node:http) that demands HTTP
 * Basic auth with user `git` and the given token, and records the Authorization headers it sees.
 */
async function startGitHttpServer(projectRoot: string, token: string): Promise<{ server: Server; url: string; authorizations: (string | undefined)[] }> {
  const expected = `Basic ${Buffer.from(`git:${token}`).toString('base64')}`;
  const authorizations: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: devNull,
        GIT_PROJECT_ROOT: projectRoot, GIT_HTTP_EXPORT_ALL: '1', PATH_INFO: url.pathname, QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method, CONTENT_TYPE: req.headers['content-type'] ?? '', HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''), REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersSent = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      headersSent = true;
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => res.end());
  });
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, authorizations };
}

describe('git provider authToken', () => {
  const token = 'tok-3f9c2a7e-very-secret';
  const tokenBasic = Buffer.from(`git:${token}`).toString('base64');
  let http: Awaited<ReturnType<typeof startGitHttpServer>>;

  before(async () => {
    http = await startGitHttpServer(dirname(fixture.dir), token);
  });
  after(() => new Promise<void>((resolvePromise) => http.server.close(() => resolvePromise())));

  function withToken(env: Record<string, string>, onCommand?: (command: GitCommand) => Promise<void>) {
    return setup({
      allowedSchemes: ['https', 'http', 'file'],
      resolveSecret: createSecretResolver({ env, secretsDir: null }),
      onCommand,
    });
  }

  it('sends the token as Basic auth (user git) and keeps it out of arguments and files', async () => {
    const writtenFiles: string[] = [];
    const { fetch, calls, workDir } = withToken({ CATALOG_SECRET_GIT_TOKEN: token }, async (command) => {
      // Right after the clone, while the working copy still exists: nothing on disk may hold the token.
      if (command.args[0] === 'clone') {
        const dir = command.args[command.args.length - 1];
        assert.doesNotMatch(await readFile(join(dir, '.git', 'config'), 'utf8'), new RegExp(`${token}|${tokenBasic}`));
        for (const file of await filesBelow(workDir)) {
          const content = await readFile(file);
          assert.ok(!content.includes(token) && !content.includes(tokenBasic), relative(workDir, file));
          writtenFiles.push(file);
        }
      }
    });
    const repoUrl = `${http.url}/${basename(fixture.dir)}`;
    const result = await fetch({ repoUrl, authToken: { env: 'CATALOG_SECRET_GIT_TOKEN' }, path: 'agents/*.yaml' });
    assert.deepEqual(documentsOf(result).map((d) => d.file), ['agents/a.yaml', 'agents/b.yaml']);
    assert.equal(documentsOf(result)[0].provenance.uri, repoUrl);

    assert.ok(writtenFiles.length > 0, 'the working copy was inspected');
    assert.ok(http.authorizations.length > 0 && http.authorizations.every((a) => a === `Basic ${tokenBasic}`));
    assert.ok(calls.length >= 3);
    for (const call of calls) {
      for (const arg of [...call.args, call.cwd ?? '']) assert.ok(!arg.includes(token) && !arg.includes(tokenBasic), arg);
      const holders = Object.entries(call.env).filter(([, v]) => v.includes(tokenBasic)).map(([k]) => k);
      assert.equal(holders.length, 1);
      assert.match(holders[0], /^GIT_CONFIG_VALUE_\d+$/);
      const index = holders[0].slice('GIT_CONFIG_VALUE_'.length);
      assert.equal(call.env[`GIT_CONFIG_KEY_${index}`], `http.${http.url}/.extraHeader`);
      assert.ok(!Object.values(call.env).some((v) => v.includes(token)));
    }
  });

  it('never puts the token in error messages', async () => {
    const wrong = `${token}-wrong`;
    const { fetch } = withToken({ CATALOG_SECRET_GIT_TOKEN: wrong });
    const error = await rejection(fetch({ repoUrl: `${http.url}/${basename(fixture.dir)}`, authToken: { env: 'CATALOG_SECRET_GIT_TOKEN' } }));
    assert.match(error.message, /^git ls-remote of http:\/\/127\.0\.0\.1:\d+\/[^ ]+ failed: /);
    assert.ok(!error.message.includes(wrong) && !error.message.includes(Buffer.from(`git:${wrong}`).toString('base64')));
    // Refused without a terminal prompt rather than hanging.
    assert.match(error.message, /terminal prompts disabled|Authentication failed/);
  });

  it('reports secret resolution failures by property', async () => {
    const { fetch, calls } = withToken({});
    const error = await rejection(fetch({ repoUrl: `${http.url}/x`, authToken: { env: 'CATALOG_SECRET_MISSING' } }));
    assert.equal(error.message, 'failed to resolve secret for property "authToken": environment variable "CATALOG_SECRET_MISSING" is not set');
    assert.deepEqual(calls, []);
  });
});

describe('git provider timeout', () => {
  it('bounds every git command by the source timeout', async () => {
    // Accepts connections and never answers.
    const sockets = new Set<import('node:net').Socket>();
    const server = createServer(() => undefined);
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
    try {
      const { fetch } = setup({ allowedSchemes: ['http'] });
      const started = Date.now();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo.git`;
      const error = await rejection(fetch({ repoUrl: url, timeout: '1s' }));
      assert.equal(error.message, `git ls-remote of ${url} timed out after 1 s`);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
    }
  });
});

describe('git provider working directory', () => {
  it('replaces a leftover working copy with a fresh clone', async () => {
    const { fetch, workDir } = setup();
    const leftover = join(workDir, 'default', 'agents', 'repo', 'agents', 'stale.yaml');
    await mkdir(dirname(leftover), { recursive: true });
    await writeFile(leftover, 'agents:\n  - name: stale\n');
    const files = documentsOf(await fetch({ repoUrl: fixture.url, path: 'agents/*.yaml' })).map((d) => d.file);
    assert.deepEqual(files, ['agents/a.yaml', 'agents/b.yaml']);
    assert.deepEqual(await filesBelow(join(workDir, 'default')), []);
  });
});
