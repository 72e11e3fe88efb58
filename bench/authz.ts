/**
 * The authorization overhead benchmark (`npm run bench:authz`): the same filtered MCP list at 20
 * connections against the built server in `CATALOG_AUTHZ_MODE=none` and in `sar` mode (namespace
 * tenancy, SubjectAccessReviews answered by the fake Kubernetes API server of the test suite in a
 * process of its own, the decision cache warm), in alternating rounds. Reports the median p50/p95 of each mode and the p95
 * overhead; the target is ≤ 10 %. Options: --duration <s> per round (default 15), --rounds <n>
 * (default 7: at 3 the p95 overhead of runs on one machine spread from −34 % to +18 %), --entities <n> (default 10000). PGlite.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { MULTI_TENANT_RBAC } from '@catalog/fake-kube';
import { IdentityResolver } from '../packages/server/src/authz/IdentityResolver.js';
import { SarAuthorizer } from '../packages/server/src/authz/SarAuthorizer.js';
import { generateMcpServers } from './generate.js';
import { load, replicaNodeArgs, ROOT, startFakeKubeProcess, startProcess, stop, waitReady, type LoadResult } from './harness.js';

const FILTER = "toolCount > 5 AND deploymentMode = 'remote'";
const ALICE = { 'x-remote-user': 'alice', 'x-remote-group': 'team-a-engineers', 'x-namespace': 'default' };

async function startMode(mode: 'none' | 'sar', dir: string, kubeconfig: string) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, CATALOG_LOG_LEVEL: 'info' };
  if (mode === 'sar') Object.assign(env, { CATALOG_AUTHZ_MODE: 'sar', CATALOG_TENANCY_MODE: 'namespace', KUBECONFIG: kubeconfig });
  const args = [...replicaNodeArgs(), join(ROOT, 'packages/server/dist/main.js'), '--listen=127.0.0.1:0', `--sources=${join(dir, 'sources.yaml')}`, `--data-dir=${join(dir, `data-${mode}`)}`, '--config-store=file'];
  const began = performance.now();
  const server = await startProcess(process.execPath, args, env);
  await waitReady(server.url, began);
  // Both modes read namespace `default`, where the file store puts the sources.
  const headers = mode === 'sar' ? ALICE : {};
  const url = `${server.url}/api/mcp_catalog/v1alpha1/mcpservers?pageSize=20&filterQuery=${encodeURIComponent(FILTER)}`;
  const check = await fetch(url, { headers });
  if (check.status !== 200) throw new Error(`${mode}: list answered ${check.status}: ${await check.text()}`);
  await load(url, 3, headers); // warm-up, fills the decision cache
  return { mode, server, url, headers, runs: [] as LoadResult[] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { duration: { type: 'string', default: '15' }, rounds: { type: 'string', default: '7' }, entities: { type: 'string', default: '10000' } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'catalog-bench-authz-'));
  // alice may list in `default` too, so both modes read the same rows.
  writeFileSync(join(dir, 'rbac.yaml'), `${MULTI_TENANT_RBAC}\n---\n${ALICE_IN_DEFAULT}`);
  const kube = await startFakeKubeProcess(join(dir, 'rbac.yaml'));
  const modes = [];
  try {
    writeFileSync(join(dir, 'mcp.yaml'), stringify({ mcpservers: generateMcpServers(Number(values.entities), 1) }));
    writeFileSync(join(dir, 'sources.yaml'), stringify({
      catalogs: { mcp: { sources: [{ id: 'bench-mcp', name: 'Generated MCP servers', type: 'yaml', properties: { yamlCatalogPath: 'mcp.yaml' } }] } },
    }));
    for (const mode of ['none', 'sar'] as const) modes.push(await startMode(mode, dir, kube.kubeconfigPath));
    // Alternating rounds: on a shared machine, load drifts over minutes; alternation spreads it over both modes.
    const reviews = () => kube.requests('/subjectaccessreviews');
    const reviewsBefore = await reviews();
    for (let round = 0; round < Number(values.rounds); round++) {
      // The order flips every round, so neither mode always runs right after the other.
      for (const m of round % 2 === 0 ? modes : [...modes].reverse()) m.runs.push(await load(m.url, Number(values.duration), m.headers));
    }
    const reviewed = (await reviews()) - reviewsBefore;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const rows = modes.map((m) => ({
      mode: m.mode,
      p50: Math.round(median(m.runs.map((r) => r.p50)) * 10) / 10,
      p95: Math.round(median(m.runs.map((r) => r.p95)) * 10) / 10,
      rps: median(m.runs.map((r) => r.rps)),
      non2xx: m.runs.reduce((n, r) => n + r.non2xx, 0),
      requests: m.runs.reduce((n, r) => n + r.requests, 0),
    }));
    console.table(rows);
    const [none, sar] = rows;
    console.log(`p95 overhead of sar with a warm decision cache: ${(((sar.p95 - none.p95) / none.p95) * 100).toFixed(1)} % (${none.p95} ms → ${sar.p95} ms); SubjectAccessReviews during the measured rounds: ${reviewed}`);
    console.log(`in-process cost of the sar stage with a warm cache (identity + decision): ${(await stageMicros()).toFixed(2)} µs per request`);
  } finally {
    for (const m of modes) await stop(m.server.child);
    await kube.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The identity and authorization stages alone, timed in process: the part of a request `sar` mode adds. */
async function stageMicros(): Promise<number> {
  const resolver = new IdentityResolver({
    headers: { trustProxyHeaders: true, userHeader: 'X-Remote-User', groupsHeader: 'X-Remote-Group', userPrefix: '' },
    jwt: null, tokenReview: null, roleSource: null, log: { debug: () => undefined, warn: () => undefined },
  });
  const authorizer = new SarAuthorizer({ subjectAccessReview: async () => true }, { cacheTtlSeconds: 600, cacheMaxSize: 10_000, timeoutSeconds: 5 });
  const headers = { 'x-remote-user': 'alice', 'x-remote-group': 'team-a-engineers' };
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) await authorizer.allows(await resolver.resolve(headers), { resource: 'assets', verb: 'list', namespace: 'default' });
  };
  await run(1_000);
  const started = performance.now();
  await run(100_000);
  return ((performance.now() - started) * 1000) / 100_000;
}

const ALICE_IN_DEFAULT = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: engineers-view, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: catalog-view}
subjects: [{kind: Group, name: team-a-engineers}]
`;

await main();
