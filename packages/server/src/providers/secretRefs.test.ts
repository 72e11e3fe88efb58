import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../kube/KubeClient.js';
import { loadKubeConfig } from '../kube/kubeConfig.js';
import { startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { ProviderError } from './ProviderError.js';
import { createSecretResolver, isSecretReference } from './secretRefs.js';

const context = { property: 'authToken', namespace: 'default' };
const TOKEN = 'ghp-0f3a-secret-value';

let root: string;
let secretsDir: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'secret-refs-test-'));
  secretsDir = join(root, 'secrets');
  await mkdir(join(secretsDir, 'git'), { recursive: true });
  await writeFile(join(secretsDir, 'git', 'token'), `${TOKEN}\n`);
  await writeFile(join(secretsDir, 'crlf'), `${TOKEN}\r\n`);
  await writeFile(join(secretsDir, 'two'), `${TOKEN}\n\n`);
  await writeFile(join(root, 'outside'), 'not a secret for sources\n');
  await symlink(join(root, 'outside'), join(secretsDir, 'escape'));
  await symlink(join(secretsDir, 'git', 'token'), join(secretsDir, 'alias'));
  await writeFile(join(secretsDir, 'huge'), 'x'.repeat(70 * 1024));
});

after(() => rm(root, { recursive: true, force: true }));

const resolver = () => createSecretResolver({ env: { CATALOG_SECRET_GIT_TOKEN: TOKEN, DATABASE_DSN: 'postgres://x' }, secretsDir });

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ProviderError);
    assert.ok(!error.message.includes(TOKEN), 'no secret value in messages');
    return error.message;
  }
  assert.fail('expected a rejection');
}

describe('isSecretReference', () => {
  it('accepts exactly the three forms with non-empty strings', () => {
    for (const ref of [{ env: 'X' }, { file: 'a/b' }, { name: 's', key: 'k' }, { name: 's', key: 'k', namespace: 'n' }]) assert.ok(isSecretReference(ref));
    for (const value of ['x', null, [], {}, { env: '' }, { env: 1 }, { env: 'X', file: 'y' }, { name: 's' }, { name: 's', key: 'k', extra: 'e' }]) {
      assert.ok(!isSecretReference(value), JSON.stringify(value));
    }
  });
});

describe('createSecretResolver', () => {
  it('returns plain strings as they are', async () => {
    assert.equal(await resolver()('plain', context), 'plain');
  });

  it('reads CATALOG_SECRET_* variables only', async () => {
    const resolve = resolver();
    assert.equal(await resolve({ env: 'CATALOG_SECRET_GIT_TOKEN' }, context), TOKEN);
    assert.equal(
      await failure(resolve({ env: 'DATABASE_DSN' }, context)),
      'failed to resolve secret for property "authToken": environment variable references must start with "CATALOG_SECRET_"',
    );
    assert.equal(
      await failure(resolve({ env: 'CATALOG_SECRET_OTHER' }, { property: 'headers.X-Key', namespace: 'default' })),
      'failed to resolve secret for property "headers.X-Key": environment variable "CATALOG_SECRET_OTHER" is not set',
    );
  });

  it('ignores the process environment', async () => {
    process.env.CATALOG_SECRET_FROM_PROCESS = 'leaked';
    try {
      const message = await failure(resolver()({ env: 'CATALOG_SECRET_FROM_PROCESS' }, context));
      assert.match(message, /is not set$/);
    } finally {
      delete process.env.CATALOG_SECRET_FROM_PROCESS;
    }
  });

  it('reads files inside CATALOG_SECRETS_DIR without one trailing newline', async () => {
    const resolve = resolver();
    assert.equal(await resolve({ file: 'git/token' }, context), TOKEN);
    assert.equal(await resolve({ file: 'crlf' }, context), TOKEN);
    assert.equal(await resolve({ file: 'two' }, context), `${TOKEN}\n`);
    assert.equal(await resolve({ file: 'alias' }, context), TOKEN);
  });

  it('refuses file references that leave the directory or are disabled', async () => {
    const resolve = resolver();
    const outside = (file: string) => `failed to resolve secret for property "authToken": secret file "${file}" must be a relative path inside CATALOG_SECRETS_DIR`;
    for (const file of ['../outside', 'git/../../outside', '/etc/passwd', 'escape', 'git/../token-sibling']) {
      assert.equal(await failure(resolve({ file }, context)), outside(file), file);
    }
    assert.equal(await failure(resolve({ file: 'missing' }, context)), 'failed to resolve secret for property "authToken": secret file "missing" not found');
    assert.equal(await failure(resolve({ file: 'git' }, context)), 'failed to resolve secret for property "authToken": secret file "git" is not a regular file');
    assert.match(await failure(resolve({ file: 'huge' }, context)), /secret file "huge" is larger than 65536 bytes$/);
    const disabled = createSecretResolver({ env: {}, secretsDir: null });
    assert.equal(
      await failure(disabled({ file: 'git/token' }, context)),
      'failed to resolve secret for property "authToken": file secret references are disabled (CATALOG_SECRETS_DIR is not set)',
    );
  });

  it('reports Kubernetes references as not available without Kubernetes access', async () => {
    const message = 'failed to resolve secret for property "authToken": Kubernetes secret references are not available (no Kubernetes configuration)';
    assert.equal(await failure(resolver()({ name: 'git-creds', key: 'token' }, context)), message);
    const noAccess = createSecretResolver({ env: {}, secretsDir: null, kubernetes: { client: () => null, tenancyMode: 'single', defaultNamespace: 'catalog-system' } });
    assert.equal(await failure(noAccess({ name: 'git-creds', key: 'token' }, context)), message);
  });

  describe('Kubernetes Secrets through the fake Kubernetes API server', () => {
    let kube: FakeKube;
    let client: KubeClient;
    before(async () => {
      kube = await startFakeKube();
      client = new KubeClient(loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: {} })!);
      kube.applyManifests(`
apiVersion: v1
kind: Secret
metadata: {name: git-creds, namespace: catalog-system}
stringData: {token: ${TOKEN}}
---
apiVersion: v1
kind: Secret
metadata: {name: git-creds, namespace: team-a}
stringData: {token: team-a-token}
---
apiVersion: v1
kind: Secret
metadata: {name: git-creds, namespace: team-b}
stringData: {token: team-b-token}
`);
    });
    after(() => kube.close());

    const kubeResolver = (tenancyMode: 'single' | 'namespace') =>
      createSecretResolver({ env: {}, secretsDir: null, kubernetes: { client: () => client, tenancyMode, defaultNamespace: 'catalog-system' } });

    it('single mode: the config namespace by default, any namespace when named', async () => {
      const resolve = kubeResolver('single');
      assert.equal(await resolve({ name: 'git-creds', key: 'token' }, context), TOKEN);
      assert.equal(await resolve({ name: 'git-creds', key: 'token', namespace: 'team-b' }, context), 'team-b-token');
    });

    it('namespace mode: the source namespace only; naming another is refused without a request', async () => {
      const resolve = kubeResolver('namespace');
      const teamA = { property: 'authToken', namespace: 'team-a' };
      assert.equal(await resolve({ name: 'git-creds', key: 'token' }, teamA), 'team-a-token');
      assert.equal(await resolve({ name: 'git-creds', key: 'token', namespace: 'team-a' }, teamA), 'team-a-token');
      const before = kube.requests.length;
      assert.equal(
        await failure(resolve({ name: 'git-creds', key: 'token', namespace: 'team-b' }, teamA)),
        'failed to resolve secret for property "authToken": secret reference must use namespace "team-a"',
      );
      assert.equal(kube.requests.length, before);
    });

    it('names missing Secrets and keys, and never the value', async () => {
      const resolve = kubeResolver('namespace');
      const teamA = { property: 'headers.X-Api-Key', namespace: 'team-a' };
      assert.equal(await failure(resolve({ name: 'nope', key: 'token' }, teamA)), 'failed to resolve secret for property "headers.X-Api-Key": Secret team-a/nope not found');
      assert.equal(
        await failure(resolve({ name: 'git-creds', key: 'password' }, teamA)),
        'failed to resolve secret for property "headers.X-Api-Key": key "password" not found in Secret team-a/git-creds',
      );
    });

    it('reports an unreachable Kubernetes API as a resolution failure', async () => {
      const resolve = kubeResolver('single');
      kube.setFault({ status: 500 });
      try {
        const message = await failure(resolve({ name: 'other', key: 'token', namespace: 'team-a' }, context));
        assert.match(message, /^failed to resolve secret for property "authToken": Kubernetes API unavailable while reading Secret team-a\/other/);
      } finally {
        kube.setFault(null);
      }
    });
  });

  it('refuses values that are neither strings nor references', async () => {
    for (const value of [42, { env: 'CATALOG_SECRET_GIT_TOKEN', extra: 'x' }, null]) {
      assert.equal(
        await failure(resolver()(value, context)),
        'failed to resolve secret for property "authToken": value must be a string or a secret reference',
      );
    }
  });
});
