// Category D (spec 07 §4.3): error envelopes, public endpoints, identity echo, UI and CORS headers,
// and authorization before validation/lookup for a denied and an allowed identity.
import type { Category, CategoryRunner, CheckHandle, HttpResult, Identity, RequestSpec, RunContext } from '../run/RunContext.js';
import {
  assetPath, expectAuthorizedFailure, firstEntity, governanceSupported, GOVERNANCE_BASE, isObject, json, missingName,
  entityKinds, type EntityInfo,
} from './categorySupport.js';
import { envelopeProblem, expectEnvelope, expectStatus } from './expect.js';

const PUBLIC_ENDPOINTS = ['/healthz', '/livez', '/readyz', '/metrics', '/openapi.json'];
const CORS_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const NO_DENIED = 'no denied identity (--denied-user, --denied-groups, --denied-token)';
const NO_IDENTITY = 'no explicit identity (--user, --groups, --token)';

/** The requests both identities send: the denied one must get 403, the allowed one the status after authorization. */
interface ProtectedRequest {
  name: string;
  request: (ctx: RunContext) => Promise<RequestSpec | string>;
  /** Statuses an authorized caller gets (the request is meant to fail after authorization, or to be a dry run). */
  allowed: number[];
}

function protectedRequests(ctx: RunContext, governed: () => Promise<{ kind: EntityInfo; name: string } | null>): ProtectedRequest[] {
  const base = ctx.plugins[0].basePath;
  const missing = missingName(ctx);
  return [
    {
      name: 'apply_source',
      // Invalid in every validation layer: a server validating before authorizing answers 422.
      request: async () => ({ method: 'POST', path: `${base}/management/apply-source`, body: { id: 'Bad ID!', name: '', type: 'yaml', properties: { content: ':\n  - [' } } }),
      allowed: [400, 422],
    },
    { name: 'delete_source', request: async () => ({ method: 'DELETE', path: `${base}/management/sources/${missing}` }), allowed: [404] },
    { name: 'refresh', request: async () => ({ method: 'POST', path: `${base}/management/refresh/${missing}` }), allowed: [404] },
    {
      name: 'action',
      request: async () => ({ method: 'POST', path: `${base}/management/entities/${missing}:action`, body: { action: 'tag', params: { tags: ['conformance'] } } }),
      allowed: [404],
    },
    {
      name: 'governance',
      request: async () => {
        const entity = await governed();
        if (!entity) return 'no entity of a kind with governance.supported';
        return { method: 'POST', path: `${assetPath(entity.kind, entity.name)}/actions/lifecycle.setState`, body: { dryRun: true, params: { state: 'approved' } } };
      },
      allowed: [200],
    },
    { name: 'approval_decision', request: async () => ({ method: 'POST', path: `${GOVERNANCE_BASE}/approvals/${missing}/decisions`, body: { verdict: 'approve' } }), allowed: [404] },
  ];
}

async function deniedChecks(ctx: RunContext, category: Category, requests: ProtectedRequest[], denied: Identity): Promise<void> {
  for (const r of requests) {
    await category.check(`security.denied.${r.name}`, async (t: CheckHandle) => {
      const spec = await r.request(ctx);
      if (typeof spec === 'string') t.skip(spec);
      const result = await ctx.request({ ...spec, identity: denied });
      if (result.status === 422 || result.status === 400) t.fail(`${result.status}: authorization ran after validation (${json(result).message ?? ''})`);
      if (result.status === 404) t.fail('404: authorization ran after the lookup');
      expectEnvelope(t, result, 403, 'forbidden');
      return `403 ${json(result).message}`;
    });
  }
  await category.check('security.denied.self_review', async (t: CheckHandle) => {
    const path = `${ctx.plugins[0].basePath}/management/apply-source`;
    const result = await ctx.request({
      method: 'POST', path: '/api/authz/v1alpha1/selfsubjectaccessreviews', identity: denied, mutating: false,
      body: { checks: [{ id: 'apply', method: 'POST', path }] },
    });
    expectStatus(t, result, 200);
    const first = Array.isArray(json(result).results) ? json(result).results[0] : undefined;
    if (!isObject(first) || typeof first.allowed !== 'boolean') t.fail(`no results[0].allowed in ${result.text.slice(0, 200)}`);
    if (first.allowed !== false) t.fail(`the access review of POST ${path} says allowed: ${first.allowed}`);
    return `allowed: false${first.reason ? ` (${first.reason})` : ''}`;
  });
}

async function allowedChecks(ctx: RunContext, category: Category, requests: ProtectedRequest[], identity: Identity): Promise<void> {
  for (const r of requests) {
    await category.check(`security.allowed.${r.name}`, async (t: CheckHandle) => {
      const spec = await r.request(ctx);
      if (typeof spec === 'string') t.skip(spec);
      // Deciding on approvals is the reviewer's right (07 §4.1); the allowed identity may lack it.
      const caller = r.name === 'approval_decision' ? (ctx.options.reviewerIdentity ?? identity) : identity;
      return expectAuthorizedFailure(t, await ctx.request({ ...spec, identity: caller }), r.allowed);
    });
  }
}

function checkUiHeaders(t: CheckHandle, result: HttpResult): string {
  if (!(result.headers.get('content-type') ?? '').includes('text/html')) t.skip('no HTML served at /');
  if (result.headers.get('x-content-type-options')?.toLowerCase() !== 'nosniff') t.fail('X-Content-Type-Options is not nosniff');
  const csp = result.headers.get('content-security-policy') ?? '';
  if (!csp.includes('frame-ancestors')) t.fail(`Content-Security-Policy without frame-ancestors: "${csp}"`);
  return 'nosniff and frame-ancestors';
}

export const runSecurityChecks: CategoryRunner = async (ctx) => {
  const category = ctx.category('D', 'security');
  let governed: Promise<{ kind: EntityInfo; name: string } | null> | undefined;
  const governedEntity = () => (governed ??= firstEntity(ctx, governanceSupported));

  await category.check('security.envelope.not_found', async (t: CheckHandle) => {
    const result = await ctx.request({ path: `/api/${missingName(ctx)}` });
    expectStatus(t, result, 404);
    const problem = envelopeProblem(result);
    if (problem) t.fail(problem);
    return `404 ${json(result).error}`;
  });

  await category.check('security.envelope.bad_request', async (t: CheckHandle) => {
    const kind = (await entityKinds(ctx, ctx.plugins[0]))[0];
    if (!kind) t.skip(`plugin ${ctx.plugins[0].name} declares no entity kind`);
    const result = await ctx.request({ path: kind.list, query: { filterQuery: "name = = 'x'" } });
    expectEnvelope(t, result, 400, 'bad_request');
    return `400 on ${kind.list}`;
  });

  await category.check('security.public_endpoints', async (t: CheckHandle) => {
    const refused: string[] = [];
    for (const path of PUBLIC_ENDPOINTS) {
      const result = await ctx.request({ path, identity: 'anonymous', namespace: null });
      if ([400, 401, 403].includes(result.status)) refused.push(`${path} ${result.status}`);
    }
    if (refused.length > 0) t.fail(refused.join(', '));
    return `${PUBLIC_ENDPOINTS.length} endpoints`;
  });

  await category.check('security.whoami', async (t: CheckHandle) => {
    const result = await ctx.request({ path: '/api/authz/v1alpha1/whoami' });
    expectStatus(t, result, 200);
    const identity = ctx.options.identity;
    const expected = identity?.user ?? (identity?.token ? undefined : 'anonymous');
    const user = json(result).user;
    if (typeof user !== 'string' || user === '') t.fail(`no user in ${result.text.slice(0, 200)}`);
    if (expected !== undefined && user !== expected) t.fail(`user "${user}", expected "${expected}"`);
    return `user ${user}`;
  });

  await category.check('security.ui_headers', async (t: CheckHandle) =>
    checkUiHeaders(t, await ctx.request({ path: '/', headers: { Accept: 'text/html' }, identity: 'anonymous', namespace: null })));

  await category.check('security.cors_methods', async (t: CheckHandle) => {
    const result = await ctx.request({
      method: 'OPTIONS', path: '/api/plugins', identity: 'anonymous', namespace: null, mutating: false,
      headers: { Origin: 'https://conformance.example', 'Access-Control-Request-Method': 'PATCH' },
    });
    if (!result.headers.get('access-control-allow-origin')) t.skip('CORS is not enabled for this origin');
    const allowed = (result.headers.get('access-control-allow-methods') ?? '').split(',').map((m) => m.trim().toUpperCase());
    const absent = CORS_METHODS.filter((m) => !allowed.includes(m));
    if (absent.length > 0) t.fail(`Access-Control-Allow-Methods lacks ${absent.join(', ')}`);
    return allowed.join(', ');
  });

  const requests = protectedRequests(ctx, governedEntity);
  const denied = ctx.options.deniedIdentity;
  if (denied) await deniedChecks(ctx, category, requests, denied);
  else category.skipAll(NO_DENIED, [...requests.map((r) => `security.denied.${r.name}`), 'security.denied.self_review']);

  const identity = ctx.options.identity;
  if (identity) await allowedChecks(ctx, category, requests, identity);
  else category.skipAll(NO_IDENTITY, requests.map((r) => `security.allowed.${r.name}`));
};
