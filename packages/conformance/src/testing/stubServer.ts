// A scripted catalog server for unit tests of the check categories: the discovery routes every run
// needs (readyz, namespaces, one plugin "demo" with one governed kind) plus the test's own routes,
// so a test can make one answer wrong and see the check that must notice it fail.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveOptions, type ConformanceOptions } from '../options.js';
import type { TestRecord } from '../report/types.js';
import { ConformanceRun } from '../run/ConformanceRun.js';
import type { CategoryRunner } from '../run/RunContext.js';
import { startRun } from '../run/startRun.js';

export interface StubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: any;
  /** X-Namespace, else ?namespace=, else null. */
  namespace: string | null;
  user: string;
}

export interface StubReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Answers a request, or returns undefined to fall through to the discovery routes (then 404). */
export type StubHandler = (request: StubRequest) => StubReply | undefined;

export const DEMO_BASE = '/api/demo_catalog/v1alpha1';
export const DEMO_LIST = `${DEMO_BASE}/widgets`;

export const DEMO_PLUGIN = {
  name: 'demo',
  basePath: DEMO_BASE,
  capabilitiesV2: {
    schemaVersion: 'v1',
    plugin: { name: 'demo', version: '1.0.0', description: 'demo' },
    entities: [{
      kind: 'Widget', plural: 'widgets', displayName: 'Widgets',
      endpoints: { list: DEMO_LIST, get: `${DEMO_LIST}/{name}` },
      governance: {
        supported: true,
        lifecycle: { states: ['draft', 'approved', 'deprecated', 'archived'], defaultState: 'draft', transitions: [{ from: 'draft', to: 'approved' }] },
        versioning: { enabled: true, environments: ['dev', 'stage', 'prod'], protectedEnvironments: ['stage', 'prod'] },
      },
    }],
  },
};

export const error = (status: number, code: string, message = code): StubReply => ({ status, body: { error: code, message } });

export interface StubServer {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

export async function startStub(handler: StubHandler, mode: 'single' | 'namespace' = 'namespace'): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const discovery = (r: StubRequest): StubReply | undefined => {
    if (r.path === '/readyz') return { status: 200, body: { status: 'ready' } };
    if (r.path === '/api/tenancy/v1alpha1/namespaces') return { status: 200, body: { namespaces: mode === 'single' ? ['default'] : ['team-a', 'team-b'], mode } };
    if (r.path === '/api/plugins') return { status: 200, body: { plugins: [DEMO_PLUGIN], count: 1 } };
    if (r.path === '/api/plugins/demo/capabilities') return { status: 200, body: DEMO_PLUGIN.capabilitiesV2 };
    return undefined;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const header = req.headers['x-namespace'];
      const request: StubRequest = {
        method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body,
        namespace: url.searchParams.get('namespace') ?? (typeof header === 'string' ? header : null),
        user: typeof req.headers['x-remote-user'] === 'string' ? req.headers['x-remote-user'] : 'anonymous',
      };
      requests.push(request);
      const reply = handler(request) ?? discovery(request) ?? error(404, 'not_found', `no route ${request.method} ${request.path}`);
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Runs one category against `serverUrl` (discovery first, as the runner does) and returns its records by name. */
export async function runCategory(runner: CategoryRunner, options: ConformanceOptions): Promise<Map<string, TestRecord>> {
  const run = new ConformanceRun(resolveOptions({ readyTimeoutMs: 2_000, timeoutMs: 2_000, ...options }));
  await startRun(run);
  await runner(run);
  return new Map(run.categories.flatMap((c) => c.toReport().tests).map((t) => [t.name, t]));
}

/** Starts a stub with `handler`, runs one category against it and stops it. */
export async function runOnStub(handler: StubHandler, runner: CategoryRunner, options: Omit<ConformanceOptions, 'serverUrl'>, mode?: 'single' | 'namespace'): Promise<Map<string, TestRecord>> {
  const stub = await startStub(handler, mode);
  try {
    return await runCategory(runner, { ...options, serverUrl: stub.url });
  } finally {
    await stub.close();
  }
}
