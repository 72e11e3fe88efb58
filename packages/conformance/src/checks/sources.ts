import { entitiesOf, isRecord } from '../run/capabilities.js';
import type { ConformanceRun } from '../run/ConformanceRun.js';
import { noFixtureMessage, type Fixture } from '../run/fixtures.js';
import type { Category, CheckHandle, HttpResult } from '../run/RunContext.js';
import { expectEnvelope, expectObject, expectStatus } from './expect.js';

const STATES = new Set(['available', 'partially_available', 'error', 'loading', 'disabled']);
const SENSITIVE_KEYS = new Set(['password', 'token', 'authtoken', 'apikey', 'api_key', 'secret', 'authorization']);
const REDACTED = '***REDACTED***';
const MUTATING = ['apply', 'apply.visible', 'apply.invalid', 'disable', 'enable', 'refresh', 'revisions.after_apply', 'delete'];
const VISIBLE_MS = 30_000;

type Source = Record<string, unknown>;

/** Paths of plain strings under a sensitive key, at any depth (04 §12). */
function unredacted(value: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => unredacted(v, `${path}[${i}]`, out));
  else if (isRecord(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (SENSITIVE_KEYS.has(key.toLowerCase()) && typeof v === 'string' && v !== REDACTED) out.push(`${path}.${key}`);
      unredacted(v, `${path}.${key}`, out);
    }
  }
  return out;
}

function sourcesOf(t: CheckHandle, result: HttpResult): Source[] {
  expectStatus(t, result, 200);
  const body = expectObject(t, result);
  if (!Array.isArray(body.sources)) t.fail('sources is not an array');
  if (body.count !== body.sources.length) t.fail(`count ${JSON.stringify(body.count)} but ${body.sources.length} sources`);
  return body.sources.map((s) => (isRecord(s) ? s : {}));
}

function sourceProblems(source: Source): string[] {
  const problems: string[] = [];
  const id = JSON.stringify(source.id);
  for (const key of ['id', 'name', 'type']) if (typeof source[key] !== 'string' || source[key] === '') problems.push(`${id}: ${key} missing`);
  if (typeof source.enabled !== 'boolean') problems.push(`${id}: enabled is not a boolean`);
  const status = isRecord(source.status) ? source.status : {};
  if (!STATES.has(status.state as string)) problems.push(`${id}: status.state ${JSON.stringify(status.state)} is not a source state`);
  if (!Number.isInteger(status.entityCount)) problems.push(`${id}: status.entityCount ${JSON.stringify(status.entityCount)} is not an integer`);
  return problems;
}

class SourceApi {
  constructor(
    private readonly run: ConformanceRun,
    readonly basePath: string,
  ) {}

  list(): Promise<HttpResult> {
    return this.run.request({ path: `${this.basePath}/management/sources`, query: { includeContent: false } });
  }

  async ids(): Promise<string[]> {
    const result = await this.list();
    const sources = isRecord(result.body) && Array.isArray(result.body.sources) ? result.body.sources : [];
    return sources.map((s) => (isRecord(s) ? String(s.id) : '')).sort();
  }

  async revisionCount(id: string): Promise<number> {
    const result = await this.run.request({ path: `${this.basePath}/management/sources/${encodeURIComponent(id)}/revisions` });
    return result.status === 200 && isRecord(result.body) && typeof result.body.count === 'number' ? result.body.count : 0;
  }

  apply(body: unknown): Promise<HttpResult> {
    return this.run.request({ method: 'POST', path: `${this.basePath}/management/apply-source`, body });
  }

  enable(id: string, enabled: boolean): Promise<HttpResult> {
    return this.run.request({ method: 'POST', path: `${this.basePath}/management/sources/${encodeURIComponent(id)}/enable`, body: { enabled } });
  }
}

/** Whether the list endpoint of the fixture's kind shows the fixture entity. */
async function entityListed(run: ConformanceRun, listPath: string, name: string): Promise<boolean> {
  const result = await run.request({ path: listPath, query: { q: name, pageSize: 100 } });
  const items = isRecord(result.body) && Array.isArray(result.body.items) ? result.body.items : [];
  return items.some((i) => isRecord(i) && i.name === name);
}

/** A broken fixture is refused whole: nothing of it reaches the sources list (needs no fixture). */
async function invalidApplyCheck(run: ConformanceRun, category: Category, p: string, api: SourceApi): Promise<void> {
  await category.check(`${p}.apply.invalid`, async (t) => {
    const before = await api.ids();
    const result = await api.apply({ id: `${run.prefix}-invalid`, name: 'Conformance invalid', type: 'yaml', properties: { content: ':\n  - [' } });
    expectEnvelope(t, result, 422);
    const layers = isRecord(result.body) && Array.isArray(result.body.layerResults) ? result.body.layerResults : [];
    if (!layers.some((l) => isRecord(l) && l.layer === 'yaml_parse' && l.valid === false)) t.fail('no failed yaml_parse layer in layerResults');
    const after = await api.ids();
    if (JSON.stringify(before) !== JSON.stringify(after)) t.fail(`the sources list changed: ${before.join(',')} → ${after.join(',')}`);
  });
}

async function mutatingChecks(run: ConformanceRun, category: Category, p: string, api: SourceApi, fixture: Fixture, listPath: string): Promise<void> {
  const id = String(fixture.source.id);
  const name = fixture.entityName;
  const visible = (want: boolean) => run.waitFor(async () => (await entityListed(run, listPath, name)) === want, VISIBLE_MS);
  const revisionsBefore = await api.revisionCount(id);
  let applied = false;
  await category.check(`${p}.apply`, async (t) => {
    const result = await api.apply({ ...fixture.source, refreshAfterApply: true });
    expectStatus(t, result, 200);
    if (expectObject(t, result).id !== id) t.fail(`id ${JSON.stringify((result.body as Source).id)}, expected ${id}`);
    applied = true;
  });
  await category.check(`${p}.apply.visible`, async (t) => {
    if (!applied) t.skip('apply failed');
    if (!(await visible(true))) t.fail(`entity ${name} not listed within ${VISIBLE_MS / 1000} s`);
  });
  for (const [check, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    await category.check(`${p}.${check}`, async (t) => {
      if (!applied) t.skip('apply failed');
      const result = await api.enable(id, enabled);
      expectStatus(t, result, 200);
      if (expectObject(t, result).enabled !== enabled) t.fail(`enabled ${JSON.stringify((result.body as Source).enabled)}, expected ${enabled}`);
      if (!(await visible(enabled))) t.fail(`entity ${name} ${enabled ? 'did not reappear' : 'still listed'} within ${VISIBLE_MS / 1000} s`);
    });
  }
  await category.check(`${p}.refresh`, async (t) => {
    if (!applied) t.skip('apply failed');
    const result = await run.request({ method: 'POST', path: `${api.basePath}/management/refresh/${encodeURIComponent(id)}` });
    expectStatus(t, result, 200, 202);
    const body = expectObject(t, result);
    if (result.status === 202 && (body.status !== 'queued' || typeof body.jobId !== 'string')) t.fail(`202 without {status:"queued", jobId}: ${result.text}`);
    return result.status === 202 ? `queued job ${String(body.jobId)}` : 'refreshed synchronously';
  });
  await category.check(`${p}.revisions.after_apply`, async (t) => {
    const after = await api.revisionCount(id);
    if (revisionsBefore === 0 && after === 0) t.skip('no revisions (no config store)');
    if (after <= revisionsBefore) t.fail(`revision count ${revisionsBefore} → ${after}`);
    return `${revisionsBefore} → ${after} revisions`;
  });
  await category.check(`${p}.delete`, async (t) => {
    if (!applied) t.skip('apply failed');
    const result = await run.request({ method: 'DELETE', path: `${api.basePath}/management/sources/${encodeURIComponent(id)}` });
    expectStatus(t, result, 200, 204);
    const gone = await run.waitFor(async () => !(await api.ids()).includes(id) && !(await entityListed(run, listPath, name)), VISIBLE_MS);
    if (!gone) t.fail(`source or entity still present after ${VISIBLE_MS / 1000} s`);
  });
}

/** Category C for one plugin: source management (07 §4.3); cleanup is recorded by the runner. */
export async function runSourcesChecks(run: ConformanceRun, plugin: string): Promise<void> {
  const category = run.category('C', 'sources', plugin);
  const p = `${plugin}.sources`;
  const capabilities = await run.capabilitiesDoc(plugin);
  if (!capabilities?.sources) {
    category.skipAll('plugin declares no sources', ['list', 'redaction', 'diagnostics', 'revisions', 'validate.invalid', ...MUTATING].map((c) => `${p}.${c}`));
    return;
  }
  const basePath = run.plugin(plugin)!.basePath;
  const api = new SourceApi(run, basePath);
  let sources: Source[] = [];
  await category.check(`${p}.list`, async (t) => {
    const result = await run.request({ path: `${basePath}/management/sources` });
    sources = sourcesOf(t, result);
    const problems = sources.flatMap(sourceProblems);
    if (problems.length > 0) t.fail(problems.join('; '));
    return `${sources.length} sources`;
  });
  await category.check(`${p}.redaction`, (t) => {
    const leaks = sources.flatMap((s) => unredacted(s, String(s.id), []));
    if (leaks.length > 0) t.fail(`plain values under sensitive keys: ${leaks.join(', ')}`);
  });
  await category.check(`${p}.diagnostics`, async (t) => {
    const result = await run.request({ path: `${basePath}/management/diagnostics` });
    expectStatus(t, result, 200);
    const body = expectObject(t, result);
    if (body.pluginName !== plugin) t.fail(`pluginName ${JSON.stringify(body.pluginName)}`);
    if (!Array.isArray(body.sources)) t.fail('sources is not an array');
  });
  await category.check(`${p}.revisions`, async (t) => {
    const first = sources[0]?.id;
    if (typeof first !== 'string') return t.skip('no sources');
    const result = await run.request({ path: `${basePath}/management/sources/${encodeURIComponent(first)}/revisions` });
    expectStatus(t, result, 200);
    const body = expectObject(t, result);
    if (!Array.isArray(body.revisions) || typeof body.count !== 'number') t.fail('expected a revisions array and a count');
    return `${body.count} revisions`;
  });
  await category.check(`${p}.validate.invalid`, async (t) => {
    const result = await run.request({ method: 'POST', path: `${basePath}/management/sources/conformance-x:validate`, body: { id: 'Bad ID!', name: '', type: 'yaml' } });
    if (result.status === 403) t.skip('not permitted with the given identity');
    expectStatus(t, result, 200);
    const body = expectObject(t, result);
    if (body.valid !== false) t.fail(`valid ${JSON.stringify(body.valid)}`);
    const layers = Array.isArray(body.layerResults) ? body.layerResults : [];
    if (!layers.some((l) => isRecord(l) && l.layer === 'semantic' && l.valid === false)) t.fail('no failed semantic layer in layerResults');
  });
  const names = MUTATING.map((c) => `${p}.${c}`);
  if (!run.options.mutate) {
    category.skipAll('requires --mutate', names);
    return;
  }
  await invalidApplyCheck(run, category, p, api);
  const fixtureNames = names.filter((n) => n !== `${p}.apply.invalid`);
  let fixture: Fixture | null;
  try {
    fixture = await run.fixture(plugin);
  } catch (error) {
    for (const name of fixtureNames) await category.check(name, (t) => t.fail(error instanceof Error ? error.message : String(error)));
    return;
  }
  const listPath = entitiesOf(capabilities).find((e) => e.kind === fixture?.kind)?.endpoints?.list;
  if (!fixture || !listPath) {
    category.skipAll(noFixtureMessage(plugin), fixtureNames);
    return;
  }
  await mutatingChecks(run, category, p, api, fixture, listPath);
}
