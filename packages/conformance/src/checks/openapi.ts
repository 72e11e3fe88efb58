import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { entitiesOf, isRecord } from '../run/capabilities.js';
import type { ConformanceRun } from '../run/ConformanceRun.js';
import type { RecordedResponse } from '../run/HttpClient.js';
import { expectObject, expectStatus } from './expect.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const DOCUMENT_ID = 'https://conformance.invalid/openapi.json';

interface Template {
  path: string;
  regex: RegExp;
  /** Literal characters: the most specific matching template wins. */
  weight: number;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `{name}` matches one segment (or part of one), `{name+}` and `{*}` the rest of the path. */
export function templateRegex(template: string): RegExp {
  let pattern = '';
  let last = 0;
  for (const match of template.matchAll(/\{([^}]+)\}/g)) {
    pattern += escapeRegex(template.slice(last, match.index));
    pattern += match[1] === '*' || match[1].endsWith('+') ? '(.+)' : '([^/]+)';
    last = match.index + match[0].length;
  }
  return new RegExp(`^${pattern}${escapeRegex(template.slice(last))}$`);
}

function templates(paths: Record<string, unknown>): Template[] {
  return Object.keys(paths).map((path) => ({ path, regex: templateRegex(path), weight: path.replace(/\{[^}]+\}/g, '').length }));
}

function findTemplate(all: Template[], path: string): Template | undefined {
  return all.filter((t) => t.regex.test(path)).sort((a, b) => b.weight - a.weight)[0];
}

function normalize(template: string): string {
  return template.replace(/\{[^}]+\}/g, '{}');
}

/** A JSON pointer segment as it must appear in a URI fragment. */
function pointerEscape(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}

/** Every `$ref` of the document that does not resolve inside it. */
function brokenRefs(doc: unknown): string[] {
  const broken: string[] = [];
  const resolve = (ref: string): boolean => {
    if (!ref.startsWith('#')) return false;
    let node: unknown = doc;
    for (const raw of ref.slice(1).split('/').slice(1)) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isRecord(node) && !Array.isArray(node)) return false;
      node = (node as Record<string, unknown>)[key];
      if (node === undefined) return false;
    }
    return true;
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isRecord(node)) {
      if (typeof node.$ref === 'string' && !resolve(node.$ref)) broken.push(node.$ref);
      Object.values(node).forEach(walk);
    }
  };
  walk(doc);
  return broken;
}

function documentedStatus(responses: Record<string, unknown>, status: number): string | undefined {
  const exact = String(status);
  if (exact in responses) return exact;
  const range = `${exact[0]}XX`;
  if (range in responses) return range;
  return 'default' in responses ? 'default' : undefined;
}

function corePaths(run: ConformanceRun, jobs: boolean): string[] {
  const paths = [
    '/api/plugins',
    '/api/plugins/{pluginName}/capabilities',
    '/healthz',
    '/livez',
    '/readyz',
    '/api/tenancy/v1alpha1/namespaces',
    '/api/audit/v1alpha1/events',
    '/api/audit/v1alpha1/events/{id}',
    '/api/governance/v1alpha1/assets/{plugin}/{kind}/{name}',
    '/api/governance/v1alpha1/approvals',
    '/api/governance/v1alpha1/policies',
    '/api/authz/v1alpha1/whoami',
    '/api/authz/v1alpha1/selfsubjectaccessreviews',
    ...(jobs ? ['/api/jobs/v1alpha1/refresh', '/api/jobs/v1alpha1/refresh/{id}'] : []),
  ];
  for (const plugin of run.plugins) {
    const m = `${plugin.basePath}/management`;
    paths.push(`${m}/sources`, `${m}/diagnostics`, `${m}/apply-source`, `${m}/sources/{id}`, `${m}/sources/{id}/revisions`, `${m}/sources/{id}/enable`, `${m}/refresh/{sourceId}`);
  }
  return paths;
}

/** Category F, last: the server's OpenAPI document and every response recorded during the run (07 §4.3). */
export async function runOpenApiChecks(run: ConformanceRun): Promise<void> {
  const category = run.category('F', 'openapi');
  // Snapshot first: F's own requests are not validated against the document they fetch.
  const recorded: RecordedResponse[] = [...run.client.responses];
  const response = await run.request({ path: '/openapi.json', namespace: null });
  let doc: Record<string, unknown> | undefined;
  await category.check('openapi.document', (t) => {
    expectStatus(t, response, 200);
    const body = expectObject(t, response);
    if (body.openapi !== '3.1.0') t.fail(`openapi ${JSON.stringify(body.openapi)}, expected 3.1.0`);
    const documented = body.paths;
    if (!isRecord(documented) || Object.keys(documented).length === 0) return t.fail('paths is empty');
    doc = body;
    return `${Object.keys(documented).length} paths`;
  });
  const names = ['openapi.refs', 'openapi.core_paths', ...run.plugins.map((p) => `openapi.entity_paths.${p.name}`)];
  if (!doc) {
    category.skipAll('no OpenAPI document', names);
    return;
  }
  const document = doc;
  const paths = document.paths as Record<string, Record<string, unknown>>;
  const all = templates(paths);
  await category.check('openapi.refs', (t) => {
    const broken = brokenRefs(document);
    if (broken.length > 0) t.fail(`unresolved: ${[...new Set(broken)].slice(0, 10).join(', ')}`);
  });
  await category.check('openapi.core_paths', async (t) => {
    const jobs = (await run.request({ path: '/api/jobs/v1alpha1/refresh', query: { pageSize: 1 } })).status !== 404;
    const documented = new Set(Object.keys(paths).map(normalize));
    const missing = corePaths(run, jobs).filter((p) => !documented.has(normalize(p)) && !findTemplate(all, p.replace(/\{[^}]+\}/g, 'x')));
    if (missing.length > 0) t.fail(`undocumented: ${missing.join(', ')}`);
  });
  for (const plugin of run.plugins) {
    await category.check(`openapi.entity_paths.${plugin.name}`, async (t) => {
      const missing: string[] = [];
      for (const entity of entitiesOf(await run.capabilitiesDoc(plugin.name))) {
        for (const template of [entity.endpoints?.list, entity.endpoints?.get, entity.endpoints?.action]) {
          if (typeof template === 'string' && !findTemplate(all, template.replace(/\{[^}]+\}/g, 'x'))) missing.push(template);
        }
      }
      if (missing.length > 0) t.fail(`undocumented: ${missing.join(', ')}`);
    });
  }
  await responseChecks(run, document, paths, all, recorded);
}

async function responseChecks(run: ConformanceRun, document: Record<string, unknown>, paths: Record<string, Record<string, unknown>>, all: Template[], recorded: RecordedResponse[]): Promise<void> {
  const category = run.category('F', 'openapi');
  const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  const validators = new Map<string, ValidateFunction>();
  const groups = new Map<string, { template: string; method: string; status: number; responses: RecordedResponse[] }>();
  for (const r of recorded) {
    const template = findTemplate(all, r.path);
    // Requests to routes the document does not know (deliberately unknown URLs, preflights, the UI)
    // have no operation to check against; core_paths and entity_paths cover the routes that must exist.
    if (!template || !METHODS.includes(r.method.toLowerCase()) || !isRecord(paths[template.path][r.method.toLowerCase()])) continue;
    const key = `${r.method} ${template.path} ${r.status}`;
    const group = groups.get(key) ?? { template: template.path, method: r.method, status: r.status, responses: [] };
    group.responses.push(r);
    groups.set(key, group);
  }
  for (const [key, group] of groups) {
    await category.check(`openapi.response.${key}`, (t) => {
      const operation = paths[group.template][group.method.toLowerCase()] as { responses?: Record<string, unknown> };
      const responses = isRecord(operation.responses) ? operation.responses : {};
      const documented = documentedStatus(responses, group.status);
      if (!documented) return t.fail(`status ${group.status} is not documented (documented: ${Object.keys(responses).join(', ')})`);
      const entry = responses[documented];
      const content = isRecord(entry) && isRecord(entry.content) ? entry.content : {};
      const mediaType = Object.keys(content).find((m) => m.includes('json'));
      if (!mediaType || !isRecord(content[mediaType]) || content[mediaType].schema === undefined) return `${group.responses.length} responses, no JSON schema documented`;
      const pointer = ['paths', group.template, group.method.toLowerCase(), 'responses', documented, 'content', mediaType, 'schema'].map((s) => pointerEscape(s)).join('/');
      let validate = validators.get(pointer);
      if (!validate) {
        validate = ajv.compile({ $ref: `${DOCUMENT_ID}#/${pointer}` });
        validators.set(pointer, validate);
      }
      for (const r of group.responses) {
        if (!r.contentType.includes('json')) t.fail(`${r.method} ${r.path}: content-type ${r.contentType || 'none'} but ${mediaType} is documented`);
        if (!validate(r.body)) t.fail(`${r.method} ${r.path}: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
      }
      return `${group.responses.length} responses valid`;
    });
  }
}
