import { isRecord } from './capabilities.js';
import type { ConformanceRun } from './ConformanceRun.js';
import type { PluginSummary } from './RunContext.js';
import type { FatalError } from '../report/types.js';

/** A condition that stops the run before any category (07 §4.5 exit 2 or 3), with the check it fails. */
export class FatalCondition extends Error {
  constructor(
    readonly exitCode: FatalError['exitCode'],
    readonly check: string,
    message: string,
  ) {
    super(message);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

/** 4.2 item 1: GET /readyz every second until 200, up to the ready timeout. */
async function waitReady(run: ConformanceRun): Promise<void> {
  const deadline = Date.now() + run.options.readyTimeoutMs;
  let last: string;
  for (;;) {
    const started = Date.now();
    try {
      const response = await run.options.fetch(`${run.options.serverUrl}/readyz`, { signal: AbortSignal.timeout(run.options.timeoutMs) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `GET /readyz answered ${response.status}`;
    } catch (error) {
      last = `server unreachable: ${describe(error)}`;
    }
    if (Date.now() >= deadline) throw new FatalCondition(2, 'server.readyz', `not ready within ${run.options.readyTimeoutMs} ms: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(1000 - (Date.now() - started), deadline - Date.now()))));
  }
}

/** Tenancy mode and default namespaces from the namespaces endpoint (a server without one is single). */
async function resolveTenancy(run: ConformanceRun): Promise<void> {
  const response = await run.request({ path: '/api/tenancy/v1alpha1/namespaces', namespace: null }).catch(() => undefined);
  const body = isRecord(response?.body) ? response.body : {};
  const listed = Array.isArray(body.namespaces) ? body.namespaces.map((n) => (isRecord(n) ? n.name : n)).filter((n): n is string => typeof n === 'string') : [];
  run.mode = body.mode === 'namespace' ? 'namespace' : 'single';
  if (run.mode === 'namespace') {
    run.namespace = run.options.namespace ?? listed[0] ?? null;
    run.otherNamespace = run.options.otherNamespace ?? listed.find((n) => n !== run.namespace) ?? null;
  } else {
    run.namespace = run.options.namespace ?? null;
    run.otherNamespace = run.options.otherNamespace ?? null;
  }
}

/** 4.2 item 2: the plugins of the server, filtered by --plugin. */
async function loadPlugins(run: ConformanceRun): Promise<void> {
  let response;
  try {
    response = await run.request({ path: '/api/plugins' });
  } catch (error) {
    throw new FatalCondition(2, 'server.plugins.list', `GET /api/plugins failed: ${describe(error)}`);
  }
  const body = response.body;
  if (response.status !== 200 || !isRecord(body) || !Array.isArray(body.plugins)) {
    throw new FatalCondition(2, 'server.plugins.list', `GET /api/plugins answered ${response.status} without a plugins array`);
  }
  const plugins = body.plugins.filter((p): p is PluginSummary => isRecord(p) && typeof p.name === 'string' && typeof p.basePath === 'string');
  if (plugins.length !== body.plugins.length) throw new FatalCondition(2, 'server.plugins.list', 'GET /api/plugins has items without a string name and basePath');
  if (plugins.length === 0) throw new FatalCondition(2, 'server.plugins.list', 'the server has no plugins');
  const wanted = run.options.plugin;
  if (wanted !== undefined && !plugins.some((p) => p.name === wanted)) {
    throw new FatalCondition(3, 'server.plugins.selected', `plugin "${wanted}" not found (server has ${plugins.map((p) => p.name).join(', ')})`);
  }
  run.serverPlugins = plugins;
  run.plugins = wanted === undefined ? plugins : plugins.filter((p) => p.name === wanted);
}

/** Everything before the categories: readiness, tenancy, plugins. Throws FatalCondition. */
export async function startRun(run: ConformanceRun): Promise<void> {
  await waitReady(run);
  await resolveTenancy(run);
  await loadPlugins(run);
}
