import { isRecord } from '../run/capabilities.js';
import type { ConformanceRun } from '../run/ConformanceRun.js';
import type { CheckHandle, HttpResult } from '../run/RunContext.js';
import { expectObject, expectStatus, nonEmptyString } from './expect.js';

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+-?\d+)?$/;
const VALUE = /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?Inf|NaN)$/;

/** Problems of a Prometheus text exposition document; the metric names it holds. */
export function parseExposition(text: string): { problems: string[]; names: Set<string> } {
  const problems: string[] = [];
  const names = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      if (/^# (HELP|TYPE) /.test(line) && !/^# (HELP \S+ .*|HELP \S+|TYPE \S+ (counter|gauge|histogram|summary|untyped))$/.test(line)) problems.push(`line ${i + 1}: malformed ${line.slice(2, 6)}`);
      return;
    }
    const match = SAMPLE.exec(line);
    if (!match || !VALUE.test(match[3])) problems.push(`line ${i + 1}: not a sample: ${line.slice(0, 80)}`);
    else names.add(match[1]);
  });
  return { problems, names };
}

function health(run: ConformanceRun, path: string): Promise<HttpResult> {
  return run.request({ path, namespace: null });
}

function expectAlive(t: CheckHandle, result: HttpResult): string {
  expectStatus(t, result, 200);
  const body = expectObject(t, result);
  if (body.status !== 'alive') t.fail(`status ${JSON.stringify(body.status)}`);
  if (!nonEmptyString(body.uptime)) t.fail('uptime is empty');
  return `uptime ${body.uptime}`;
}

/** Category E (07 §4.3). */
export async function runObservabilityChecks(run: ConformanceRun): Promise<void> {
  const category = run.category('E', 'observability');
  await category.check('observability.healthz', async (t) => expectAlive(t, await health(run, '/healthz')));
  await category.check('observability.livez', async (t) => expectAlive(t, await health(run, '/livez')));
  await category.check('observability.readyz', async (t) => {
    const result = await health(run, '/readyz');
    expectStatus(t, result, 200);
    const body = expectObject(t, result);
    if (body.status !== 'ready') t.fail(`status ${JSON.stringify(body.status)}`);
    const components = isRecord(body.components) ? body.components : {};
    const missing = ['database', 'initial_load', 'plugins', 'leader_election'].filter((c) => !isRecord(components[c]) || !nonEmptyString(components[c].status));
    if (missing.length > 0) t.fail(`components without a status: ${missing.join(', ')}`);
  });
  await category.check('observability.no_namespace', async (t) => {
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const result = await run.request({ path, namespace: null, identity: 'anonymous' });
      if (result.status !== 200) t.fail(`${path} without namespace answered ${result.status}`);
    }
  });
  await category.check('observability.metrics', async (t) => {
    const result = await run.request({ path: '/metrics', namespace: null, headers: { Accept: 'text/plain' } });
    expectStatus(t, result, 200);
    if (!(result.headers.get('content-type') ?? '').startsWith('text/plain')) t.fail(`content-type ${result.headers.get('content-type')}`);
    const { problems, names } = parseExposition(result.text);
    if (problems.length > 0) t.fail(`not Prometheus text: ${problems.slice(0, 3).join('; ')}`);
    if (!names.has('catalog_http_requests_total')) t.fail('no catalog_http_requests_total sample');
    return `${names.size} series names`;
  });
  await category.check('observability.request_id', async (t) => {
    const plain = await health(run, '/healthz');
    if (!nonEmptyString(plain.headers.get('x-request-id'))) t.fail('no X-Request-Id on GET /healthz');
    const sent = `conformance-${run.runId}-rid`;
    const echoed = await run.request({ path: '/healthz', namespace: null, headers: { 'X-Request-Id': sent } });
    if (echoed.headers.get('x-request-id') !== sent) t.fail(`sent ${sent}, got ${echoed.headers.get('x-request-id')}`);
  });
}
