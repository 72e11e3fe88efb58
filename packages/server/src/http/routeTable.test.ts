import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RESOURCES, VERBS, type RouteAuthz } from './routeConfig.js';
import { startFakeKube, type FakeKube } from '@catalog/fake-kube';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/**
 * The route table of spec 05 §3.7, transcribed. Patterns apply to route templates normalized to
 * `{}` (a parameter) and `{...}` (a wildcard), and to concrete example paths alike; the first
 * matching row decides. Routes not built yet are simply absent from the server.
 */
const B = '/api/[a-z0-9_]+_catalog/v1alpha1';
const M = `${B}/management`;
const MODEL = '/api/model_catalog/v1alpha1';
const GOV = '/api/governance/v1alpha1';
const A = `${GOV}/assets/[^/]+/[^/]+/[^/]+`;
const SEG = '[^/]+';

/** The "Audit action" column: the route's `config.audit.action`, `false` for never audited, `undefined` for reads. */
type Row = { methods: string[]; pattern: string; authz: RouteAuthz; examples: string[]; audit?: string | false };
const pair = (resource: string, verb: string) => ({ resource, verb }) as RouteAuthz;
const row = (methods: string | string[], pattern: string, authz: RouteAuthz, ...examples: string[]): Row => ({
  methods: Array.isArray(methods) ? methods : [methods], pattern, authz, examples,
});
/** A write row and its audit action. */
const audited = (r: Row, action: string | false): Row => ({ ...r, audit: action });
const mcp = '/api/mcp_catalog/v1alpha1';
const asset = `${GOV}/assets/mcp/McpServer/alpha`;

const TABLE: Row[] = [
  row('GET', '/(healthz|livez|readyz|metrics|openapi\\.json)', 'public', '/healthz', '/livez', '/readyz', '/metrics', '/openapi.json'),
  row('OPTIONS', '.*', 'public'),
  row('GET', '/api/tenancy/v1alpha1/namespaces', 'identity', '/api/tenancy/v1alpha1/namespaces'),
  row('GET', '/api/authz/v1alpha1/whoami', 'identity', '/api/authz/v1alpha1/whoami'),
  audited(row('POST', '/api/authz/v1alpha1/selfsubjectaccessreviews', 'identity', '/api/authz/v1alpha1/selfsubjectaccessreviews'), false),
  row('GET', '/api/plugins', pair('plugins', 'list'), '/api/plugins'),
  row('GET', `/api/plugins/${SEG}/capabilities`, pair('capabilities', 'get'), '/api/plugins/mcp/capabilities'),
  row('GET', `${M}/sources`, pair('catalogsources', 'list'), `${mcp}/management/sources`),
  audited(row('POST', `${M}/validate-source`, pair('catalogsources', 'update'), `${mcp}/management/validate-source`), 'validate-source'),
  audited(row('POST', `${M}/sources/${SEG}:validate`, pair('catalogsources', 'update'), `${mcp}/management/sources/s1:validate`), 'validate'),
  audited(row('POST', `${M}/apply-source`, pair('catalogsources', 'create'), `${mcp}/management/apply-source`), 'apply-source'),
  audited(row('POST', `${M}/sources/${SEG}/enable`, pair('catalogsources', 'update'), `${mcp}/management/sources/s1/enable`), 'enable-source'),
  audited(row('DELETE', `${M}/sources/${SEG}`, pair('catalogsources', 'delete'), `${mcp}/management/sources/s1`), 'delete'),
  row('GET', `${M}/sources/${SEG}/revisions`, pair('catalogsources', 'get'), `${mcp}/management/sources/s1/revisions`),
  audited(row('POST', `${M}/sources/${SEG}:rollback`, pair('catalogsources', 'update'), `${mcp}/management/sources/s1:rollback`), 'rollback'),
  audited(row('POST', `${M}/refresh(/${SEG})?`, pair('jobs', 'create'), `${mcp}/management/refresh`, `${mcp}/management/refresh/s1`), 'refresh'),
  row('GET', `${M}/diagnostics`, pair('catalogsources', 'get'), `${mcp}/management/diagnostics`),
  audited(row('POST', `${M}/sources/${SEG}:action`, pair('actions', 'execute'), `${mcp}/management/sources/s1:action`), 'execute-action'),
  audited(row('POST', `${M}/entities/.+`, pair('actions', 'execute'), `${mcp}/management/entities/alpha:action`, `${mcp}/management/entities/a/b:action`), 'execute-action'),
  row('GET', `${M}/actions/${SEG}`, pair('actions', 'list'), `${mcp}/management/actions/source`, `${mcp}/management/actions/asset`),
  row('GET', `${M}/entities/.+`, pair('assets', 'get'), `${mcp}/management/entities/alpha`),
  row('GET', `${MODEL}/models/filter_options`, pair('assets', 'list'), `${MODEL}/models/filter_options`),
  row('GET', `${MODEL}/labels`, pair('assets', 'list'), `${MODEL}/labels`),
  row('GET', `${MODEL}/sources`, pair('catalogsources', 'list'), `${MODEL}/sources`),
  audited(row('POST', `${MODEL}/sources/preview`, pair('catalogsources', 'update'), `${MODEL}/sources/preview`), 'preview'),
  row('GET', `${MODEL}/sources/${SEG}/models/.+`, pair('assets', 'get'), `${MODEL}/sources/s1/models/org/m1`, `${MODEL}/sources/s1/models/org/m1/artifacts`, `${MODEL}/sources/s1/models/org/m1/artifacts/performance`),
  row('GET', `${A}/history`, pair('audit', 'list'), `${asset}/history`),
  audited(row('POST', `${A}/actions/${SEG}`, pair('actions', 'execute'), `${asset}/actions/lifecycle.setState`), ':action'),
  row('GET', `${A}/versions(/${SEG})?`, pair('assets', 'get'), `${asset}/versions`, `${asset}/versions/v1`),
  audited(row('POST', `${A}/versions`, pair('actions', 'execute'), `${asset}/versions`), 'version.create'),
  row('GET', `${A}/bindings`, pair('assets', 'get'), `${asset}/bindings`),
  audited(row(['PUT', 'PATCH'], `${A}/bindings/${SEG}`, pair('actions', 'execute'), `${asset}/bindings/prod`), 'promotion.bind'),
  row('GET', A, pair('assets', 'get'), asset),
  audited(row('PATCH', A, pair('assets', 'update'), asset), 'patch'),
  row('GET', `${GOV}/approvals`, pair('approvals', 'list'), `${GOV}/approvals`),
  row('GET', `${GOV}/approvals/${SEG}`, pair('approvals', 'get'), `${GOV}/approvals/a1`),
  audited(row('POST', `${GOV}/approvals/${SEG}/decisions`, pair('approvals', 'approve'), `${GOV}/approvals/a1/decisions`), 'approval.approve'),
  audited(row('POST', `${GOV}/approvals/${SEG}/cancel`, pair('actions', 'execute'), `${GOV}/approvals/a1/cancel`), 'approval.cancel'),
  row('GET', `${GOV}/policies`, pair('approvals', 'list'), `${GOV}/policies`),
  row('GET', '/api/audit/v1alpha1/events', pair('audit', 'list'), '/api/audit/v1alpha1/events'),
  row('GET', `/api/audit/v1alpha1/events/${SEG}`, pair('audit', 'get'), '/api/audit/v1alpha1/events/e1'),
  row('GET', '/api/jobs/v1alpha1/refresh', pair('jobs', 'list'), '/api/jobs/v1alpha1/refresh'),
  audited(row('POST', `/api/jobs/v1alpha1/refresh/${SEG}:cancel`, pair('jobs', 'update'), '/api/jobs/v1alpha1/refresh/j1:cancel'), 'cancel'),
  row('GET', `/api/jobs/v1alpha1/refresh/${SEG}`, pair('jobs', 'get'), '/api/jobs/v1alpha1/refresh/j1'),
  // `{base}/{plural}` and `{base}/{plural}/{name...}` of every plugin (the model plugin's models included).
  row('GET', `${B}/(?!management$)[a-z0-9_]+`, pair('assets', 'list'), `${mcp}/mcpservers`, `${MODEL}/models`),
  row('GET', `${B}/(?!management/)[a-z0-9_]+/.+`, pair('assets', 'get'), `${mcp}/mcpservers/alpha`, `${MODEL}/models/org/m1`),
  // The UI and its SPA fallback (01 §15): public, outside /api.
  row('GET', '/(?!api/).*', 'public'),
];

/** `:id`, `:id(regex)` → `{}`; `*` → `{...}`; find-my-way's `::` is a literal colon. */
function normalize(url: string): string {
  return url
    .split('::')
    .map((part) => part.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, '{}').replace(/\*/g, '{...}'))
    .join(':');
}

function expected(method: string, path: string): Row | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return TABLE.find((r) => r.methods.includes(m) && new RegExp(`^${r.pattern}$`).test(path));
}

describe('route table of spec 05 §3.7', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ kind: 'pglite' });
  });
  after(() => t.close());

  test('every registered route declares the pair of its row', () => {
    const routes = t.server.app.routeIndex.list();
    assert.ok(routes.length > 30);
    for (const route of routes) {
      const path = normalize(route.url);
      const match = expected(route.method, path);
      assert.ok(match, `${route.method} ${route.url} is not in the route table of 05 §3.7`);
      assert.deepEqual(route.authz, match.authz, `${route.method} ${route.url}`);
      // 05 §3.7 "Audit action"; a decision route declares `approval.approve` and the handler enriches a deny.
      const action = route.audit === false ? false : route.audit?.action;
      assert.equal(action, match.audit, `${route.method} ${route.url}: audit action`);
    }
  });

  test('every write route of the table is served with its audit action', () => {
    for (const r of TABLE.filter((r) => r.audit !== undefined)) {
      for (const method of r.methods) {
        for (const example of r.examples) {
          assert.ok(t.server.app.routeIndex.find(method, example), `${method} ${example} (05 §3.7) is served`);
        }
      }
    }
  });

  test('every example request of the table reaches a route with the row\'s pair', () => {
    for (const r of TABLE) {
      for (const method of r.methods) {
        for (const example of r.examples) {
          const found = t.server.app.routeIndex.find(method, example);
          assert.ok(found, `${method} ${example} (05 §3.7) is served`);
          assert.deepEqual(found.config.authz, r.authz, `${method} ${example}`);
        }
      }
    }
  });

  test('/openapi.json carries the same pair as x-authz on every operation', async () => {
    const document = JSON.parse((await t.inject('/openapi.json')).body) as { paths: Record<string, Record<string, { 'x-authz'?: RouteAuthz }>> };
    let operations = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        operations++;
        const match = expected(method.toUpperCase(), path.replace(/\{\*\}/g, '{...}').replace(/\{[^}.]+\}/g, '{}'));
        assert.ok(match, `${method} ${path} is not in the route table`);
        assert.deepEqual(operation['x-authz'], match.authz, `${method} ${path}`);
      }
    }
    assert.ok(operations > 20);
  });
});

describe('route table in sar mode: exactly the row\'s pair grants access', () => {
  let kube: FakeKube;
  let t: TestServer;
  before(async () => {
    kube = await startFakeKube();
    t = await startTestServer({ kind: 'pglite', env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_AUTHZ_MODE: 'sar', KUBECONFIG: kube.kubeconfigPath } });
  });
  after(async () => {
    await t.close();
    await kube.close();
  });

  test('an identity granted exactly the pair is not 403; one granted everything else is 403', async () => {
    let checked = 0;
    for (const [i, r] of TABLE.entries()) {
      if (typeof r.authz === 'string') continue;
      const { resource, verb } = r.authz;
      const others = [
        { apiGroups: ['catalog.kubeflow.org'], resources: [resource], verbs: VERBS.filter((v) => v !== verb) },
        { apiGroups: ['catalog.kubeflow.org'], resources: RESOURCES.filter((x) => x !== resource), verbs: ['*'] },
      ];
      kube.applyManifests(`${role(`exact-${i}`, [{ apiGroups: ['catalog.kubeflow.org'], resources: [resource], verbs: [verb] }], `granted-${i}`)}\n---\n${role(`others-${i}`, others, `lacking-${i}`)}`);
      for (const method of r.methods) {
        for (const example of r.examples) {
          checked++;
          const send = (user: string) => t.inject({ method: method as 'GET', url: `${example}?namespace=team-a`, headers: { 'x-remote-user': user } });
          assert.notEqual((await send(`granted-${i}`)).statusCode, 403, `${method} ${example} granted ${resource}/${verb}`);
          const denied = await send(`lacking-${i}`);
          assert.equal(denied.statusCode, 403, `${method} ${example} without ${resource}/${verb}`);
          assert.equal(JSON.parse(denied.body).message, `insufficient permissions for ${resource}/${verb} in namespace team-a`);
        }
      }
    }
    assert.equal(checked, TABLE.filter((r) => typeof r.authz !== 'string').reduce((n, r) => n + r.methods.length * r.examples.length, 0));
  });
});

function role(name: string, rules: unknown[], user: string): string {
  return [
    JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: 'team-a' }, rules }),
    JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'User', name: user }],
    }),
  ].join('\n---\n');
}
