import { stat } from 'node:fs/promises';
import { LineCounter, parseDocument, visit, type Node } from 'yaml';
import { sourceFieldProblems } from '../../config/sourcesDocument.js';
import type { GitScheme } from '../../config/serverConfig.js';
import type { RegisteredPlugin } from '../../framework/PluginRegistry.js';
import { parseSourceDocument } from '../../ingest/parseDocument.js';
import { validateEntries } from '../../ingest/validateEntries.js';
import { resolveInsideDataRoots } from '../../providers/dataRoots.js';
import { resolveGitSettings } from '../../providers/gitProvider.js';
import { resolveHttpSettings } from '../../providers/httpProvider.js';
import { ProviderError } from '../../providers/ProviderError.js';
import { isSecretReference, type SecretResolver } from '../../providers/secretRefs.js';
import { parseDurationSeconds } from '../../providers/sourceProperties.js';
import type { FetchContext } from '../../providers/types.js';
import { isSensitiveKey, REDACTED } from '../redactProperties.js';
import type { SourceSnapshot } from '../sourceDigests.js';

export interface ValidationIssue {
  field?: string;
  message: string;
}

export interface LayerResult {
  layer: 'yaml_parse' | 'strict_fields' | 'semantic' | 'security_warnings' | 'provider';
  valid: boolean;
  errors: ValidationIssue[];
}

/** Spec 04 §4.3. */
export interface DetailedValidationResult {
  valid: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
  layerResults: LayerResult[];
}

/** What apply does with `properties.content` (spec 04 §7). */
export type ContentChange = { kind: 'keep' } | { kind: 'drop' } | { kind: 'set'; text: string };

export interface PreparedSource {
  result: DetailedValidationResult;
  /** The input merged with the stored source; `properties` never holds `content`. */
  snapshot: SourceSnapshot;
  content: ContentChange;
  refreshAfterApply: boolean;
  expectedVersion?: string;
}

export interface ValidationTarget {
  plugin: RegisteredPlugin;
  namespace: string;
  /** The stored source with this id, when there is one: omitted fields and redacted secrets come from it. */
  stored?: SourceSnapshot;
  /** Text the stored source currently loads (managed content or its file), for the round-trip rule of §7. */
  currentContent?: string;
  /** `:validate`: the id in the URL. */
  urlId?: string;
  /** Rollback: the snapshot was written by the server, so its `managedContent` is accepted as is. */
  trusted?: boolean;
}

export interface SourceValidatorDeps {
  fetchContext: FetchContext;
  git: { allowedSchemes: readonly GitScheme[]; timeoutSeconds: number };
  httpTimeoutSeconds: number;
  resolveSecret: SecretResolver;
}

const ENVELOPE_FIELDS = new Set([
  'id', 'name', 'type', 'enabled', 'labels', 'properties', 'includedItems', 'excludedItems', 'refreshAfterApply', 'expectedVersion',
  // Accepted and ignored: the Kubeflow UI BFF's `config`, and the read-only SourceInfo fields a client sends back.
  'config', 'namespace', 'plugin', 'version', 'status',
]);
const MAX_ITEM_ERRORS = 50;
const MAX_YAML_ALIASES = 100;
const MIN_SYNC_SECONDS = 10;

type PropertyType = 'string' | 'boolean' | 'number' | 'object' | 'secret';
/** Property types declared by each provider (spec 04 §14); `secret` = a string or a secret reference. */
const PROPERTY_TYPES: Record<string, Record<string, PropertyType>> = {
  yaml: { yamlCatalogPath: 'string', path: 'string', watch: 'boolean', managedContent: 'string' },
  git: { repoUrl: 'string', branch: 'string', revision: 'string', path: 'string', authToken: 'secret', syncInterval: 'string', shallowClone: 'boolean' },
  http: { url: 'string', headers: 'object', authToken: 'secret', format: 'string', syncInterval: 'string', timeout: 'number' },
};

/**
 * The validation pipeline of spec 04 §6: five layers on the input merged with the stored source
 * (`yaml_parse`, `strict_fields`, `semantic`, `security_warnings`, `provider`), with the spec's exact
 * messages. Nothing is written; remote providers are not contacted.
 */
export async function prepareSource(body: Record<string, unknown>, target: ValidationTarget, deps: SourceValidatorDeps): Promise<PreparedSource> {
  const layers: LayerResult[] = [];
  const layer = (name: LayerResult['layer'], errors: ValidationIssue[]) => {
    layers.push({ layer: name, valid: errors.length === 0, errors });
  };
  const rawProperties = isObject(body.properties) ? body.properties : undefined;

  // 1. yaml_parse (critical)
  const parseErrors = checkContent(rawProperties?.content, deps.fetchContext.maxBytes);
  layer('yaml_parse', parseErrors);

  // 2. strict_fields
  const strict: ValidationIssue[] = [];
  for (const key of Object.keys(body)) if (!ENVELOPE_FIELDS.has(key)) strict.push({ field: key, message: `unknown field "${key}"` });
  const str = (key: string) => typed(body, key, 'string', `${key} must be a string`, strict) as string | undefined;
  const bool = (key: string) => typed(body, key, 'boolean', `${key} must be a boolean`, strict) as boolean | undefined;
  const list = (key: string) => {
    const value = body[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      strict.push({ field: key, message: `${key} must be an array of strings` });
      return undefined;
    }
    return value as string[];
  };
  const input = {
    id: str('id'), name: str('name'), type: str('type'), enabled: bool('enabled'), labels: list('labels'),
    includedItems: list('includedItems'), excludedItems: list('excludedItems'),
    refreshAfterApply: bool('refreshAfterApply'), expectedVersion: str('expectedVersion'),
  };
  if (body.properties !== undefined && !isObject(body.properties)) strict.push({ field: 'properties', message: 'properties must be an object' });

  const stored = target.stored;
  const type = input.type ?? stored?.type ?? '';
  const merged = mergeProperties(rawProperties, stored?.properties);
  for (const [key, expected] of Object.entries(PROPERTY_TYPES[type] ?? {})) {
    const value = merged.properties[key];
    if (value === undefined || value === null || matchesType(value, expected)) continue;
    strict.push({ field: `properties.${key}`, message: `properties.${key} must be a ${expected === 'secret' ? 'string' : expected}` });
  }
  if (!target.trusted && rawProperties && 'managedContent' in rawProperties && rawProperties.managedContent !== (stored?.properties.managedContent ?? undefined)) {
    strict.push({ field: 'properties.managedContent', message: 'managedContent is set by the server and cannot be changed' });
  }

  // Content per §7: absent, unchanged round trip, new text, or null (back to the file).
  let content: ContentChange = { kind: 'keep' };
  const sentContent = rawProperties?.content;
  if (sentContent === null) content = { kind: 'drop' };
  else if (typeof sentContent === 'string' && sentContent !== target.currentContent) content = { kind: 'set', text: sentContent };
  if (content.kind === 'drop') delete merged.properties.managedContent;

  const snapshot: SourceSnapshot = {
    id: input.id ?? target.urlId ?? '',
    name: input.name ?? stored?.name ?? '',
    type,
    enabled: input.enabled ?? stored?.enabled ?? true,
    labels: input.labels ?? stored?.labels ?? [],
    properties: merged.properties,
    includedItems: input.includedItems ?? stored?.includedItems ?? [],
    excludedItems: input.excludedItems ?? stored?.excludedItems ?? [],
  };
  const result = (): PreparedSource => {
    const errors = layers.filter((l) => l.layer !== 'security_warnings').flatMap((l) => l.errors);
    const warnings = layers.find((l) => l.layer === 'security_warnings')?.errors ?? [];
    return {
      result: { valid: errors.length === 0, errors, warnings, layerResults: layers },
      snapshot, content, refreshAfterApply: input.refreshAfterApply ?? true,
      ...(input.expectedVersion !== undefined ? { expectedVersion: input.expectedVersion } : {}),
    };
  };
  if (parseErrors.length > 0) {
    layers.splice(0, layers.length, layers[0]);
    return result();
  }
  layer('strict_fields', strict);

  // 3. semantic
  const semantic: ValidationIssue[] = sourceFieldProblems(snapshot);
  const { plugin } = target;
  if (type !== '' && !plugin.decl.sourceTypes.includes(type)) {
    semantic.push({ field: 'type', message: `unsupported source type "${type}" for plugin "${plugin.name}"; supported types: ${plugin.decl.sourceTypes.join(', ')}` });
  }
  if (target.urlId !== undefined && input.id !== undefined && input.id !== target.urlId) {
    semantic.push({ field: 'id', message: `source ID in body (${JSON.stringify(input.id)}) does not match source ID in URL (${JSON.stringify(target.urlId)})` });
  }
  for (const path of merged.unresolvedPlaceholders) {
    semantic.push({ field: `properties.${path}`, message: `property "${path}" contains the redaction placeholder` });
  }
  layer('semantic', semantic);

  // 4. security_warnings (warning-only)
  const warnings: ValidationIssue[] = [];
  walkProperties(snapshot.properties, '', (path, key, value) => {
    if (typeof value !== 'string') return;
    if (isSensitiveKey(key)) {
      warnings.push({ field: `properties.${path}`, message: `property "${path}" appears to contain an inline credential; consider using a SecretRef instead` });
    }
    if (/^http:\/\//i.test(value)) warnings.push({ field: `properties.${path}`, message: `property "${path}" uses plain HTTP; consider HTTPS` });
  });
  snapshot.excludedItems.forEach((pattern, index) => {
    if (snapshot.includedItems.includes(pattern)) {
      warnings.push({ field: `excludedItems[${index}]`, message: `pattern "${pattern}" is both included and excluded; exclude wins` });
    }
  });
  layer('security_warnings', warnings);

  // 5. provider
  layer('provider', plugin.decl.sourceTypes.includes(type) ? await providerProblems(snapshot, content, target, deps) : []);
  return result();
}

function checkContent(content: unknown, maxBytes: number): ValidationIssue[] {
  if (content === undefined || content === null) return [];
  const field = 'properties.content';
  if (typeof content !== 'string') return [{ field, message: 'content must be a string' }];
  if (Buffer.byteLength(content) > maxBytes) return [{ field, message: `content exceeds maximum size of ${maxBytes} bytes` }];
  const lineCounter = new LineCounter();
  const document = parseDocument(content, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [error] = document.errors;
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return [{ field, message: `YAML parse error: ${firstLine(error.message)} at line ${line}, column ${col}` }];
  }
  // Both the number of aliases and their expansion are bounded ("billion laughs").
  let aliases = 0;
  let tooMany: Node | undefined;
  visit(document, {
    Alias(_key, node) {
      if (++aliases > MAX_YAML_ALIASES) {
        tooMany = node;
        return visit.BREAK;
      }
    },
  });
  const at = (node: Node | undefined) => lineCounter.linePos(node?.range?.[0] ?? 0);
  if (tooMany !== undefined) {
    const { line, col } = at(tooMany);
    return [{ field, message: `YAML parse error: too many aliases (maximum ${MAX_YAML_ALIASES}) at line ${line}, column ${col}` }];
  }
  try {
    document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (aliasError) {
    return [{ field, message: `YAML parse error: ${firstLine((aliasError as Error).message)} at line 1, column 1` }];
  }
  return [];
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * `properties` of the request with §4.2's exceptions applied: `content` is taken out, an omitted
 * `managedContent` keeps the stored one, and `***REDACTED***` keeps the stored value at that path
 * (paths with no stored value are reported). Without `properties` in the request, the stored ones.
 */
function mergeProperties(sent: Record<string, unknown> | undefined, stored: Record<string, unknown> | undefined) {
  const unresolvedPlaceholders: string[] = [];
  if (sent === undefined) return { properties: structuredClone(stored ?? {}), unresolvedPlaceholders };
  const restore = (value: unknown, previous: unknown, path: string): unknown => {
    if (value === REDACTED) {
      if (previous === undefined || previous === REDACTED) unresolvedPlaceholders.push(path);
      return previous ?? value;
    }
    if (Array.isArray(value)) return value.map((item, i) => restore(item, Array.isArray(previous) ? previous[i] : undefined, `${path}[${i}]`));
    if (isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restore(v, isObject(previous) ? previous[k] : undefined, `${path}.${k}`)]));
    }
    return value;
  };
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sent)) {
    if (key === 'content') continue;
    properties[key] = restore(value, stored?.[key], key);
  }
  if (!('managedContent' in sent) && stored?.managedContent !== undefined) properties.managedContent = stored.managedContent;
  return { properties, unresolvedPlaceholders };
}

async function providerProblems(snapshot: SourceSnapshot, content: ContentChange, target: ValidationTarget, deps: SourceValidatorDeps): Promise<ValidationIssue[]> {
  const problems: ValidationIssue[] = [];
  const properties = snapshot.properties;
  const attempt = async (field: string | undefined, check: () => unknown) => {
    try {
      await check();
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      problems.push({ ...(field !== undefined ? { field } : {}), message: error.message });
    }
  };
  if (snapshot.type !== 'yaml' && content.kind !== 'keep') {
    return [{ field: 'properties.content', message: 'content is only supported for yaml sources' }];
  }
  const resolveSecret = (value: unknown, property: string) =>
    attempt(`properties.${property}`, () => deps.resolveSecret(value, { property, namespace: target.namespace }));
  switch (snapshot.type) {
    case 'yaml': {
      if (content.kind === 'set') {
        problems.push(...dataProblems(content.text, target.plugin, snapshot, deps.fetchContext.maxBytes));
        break;
      }
      if (typeof properties.managedContent === 'string') break;
      const configured = properties.yamlCatalogPath ?? properties.path;
      if (typeof configured !== 'string' || configured === '') {
        problems.push({ message: 'one of yamlCatalogPath or content is required' });
        break;
      }
      const field = properties.yamlCatalogPath !== undefined ? 'properties.yamlCatalogPath' : 'properties.path';
      await attempt(field, async () => {
        const resolved = await resolveInsideDataRoots(deps.fetchContext.baseDir, configured, deps.fetchContext.dataRoots);
        if ((await stat(resolved)).size > deps.fetchContext.maxBytes) throw new ProviderError(`file exceeds maximum size of ${deps.fetchContext.maxBytes} bytes`);
      });
      break;
    }
    case 'git':
      await attempt(undefined, () => resolveGitSettings(properties, { fetchContext: deps.fetchContext, ...deps.git }));
      syncIntervalProblem(properties, problems);
      if (properties.authToken !== undefined && properties.authToken !== null) await resolveSecret(properties.authToken, 'authToken');
      break;
    case 'http':
      await attempt(undefined, () => resolveHttpSettings(properties, { timeoutSeconds: deps.httpTimeoutSeconds }));
      syncIntervalProblem(properties, problems);
      if (properties.authToken !== undefined && properties.authToken !== null) await resolveSecret(properties.authToken, 'authToken');
      if (isObject(properties.headers)) {
        for (const [name, value] of Object.entries(properties.headers)) if (isSecretReference(value)) await resolveSecret(value, `headers.${name}`);
      }
      break;
  }
  return problems;
}

function syncIntervalProblem(properties: Record<string, unknown>, problems: ValidationIssue[]): void {
  const value = properties.syncInterval;
  if (value === undefined || value === null) return;
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || (seconds !== 0 && seconds < MIN_SYNC_SECONDS)) {
    problems.push({ field: 'properties.syncInterval', message: `invalid duration "${String(value)}" for syncInterval` });
  }
}

/** Parses content sent in the request with the plugin's data format and checks every item (§6 layer 5). */
function dataProblems(text: string, plugin: RegisteredPlugin, snapshot: SourceSnapshot, maxBytes: number): ValidationIssue[] {
  const field = 'properties.content';
  const messages: string[] = [];
  let foundKey = false;
  for (const kind of plugin.kinds) {
    const parsed = parseSourceDocument(text, { file: '<inline>', maxBytes, yamlKey: kind.yamlKey });
    if (!parsed.ok) {
      if (parsed.error.missingKey) continue;
      return [{ field, message: parsed.error.message }];
    }
    foundKey = true;
    const checked = validateEntries(kind.decl, parsed.entries, {
      file: '<inline>', yamlKey: kind.yamlKey, includedItems: snapshot.includedItems, excludedItems: snapshot.excludedItems,
    });
    for (const item of checked.ingestErrors) {
      const match = new RegExp(`^${escapeRegExp(kind.yamlKey)}\\[(\\d+)\\](.*)$`).exec(item.path);
      const index = match ? Number(match[1]) + 1 : 0;
      const pointer = match ? toPointer(match[2]) : '/';
      messages.push(`item ${index} (${JSON.stringify(item.name ?? 'unnamed')}) at ${pointer}: ${item.message}`);
    }
    const unlisted = checked.rejectedCount - checked.ingestErrors.length;
    for (let i = 0; i < unlisted; i++) messages.push('');
  }
  if (!foundKey) return [{ field, message: `missing top-level key "${plugin.kinds[0].yamlKey}"` }];
  const listed = messages.filter((m) => m !== '').slice(0, MAX_ITEM_ERRORS).map((message) => ({ field, message }));
  if (messages.length > listed.length) listed.push({ field, message: `… and ${messages.length - listed.length} more item errors` });
  return listed;
}

/** `.servers[0].url` → `/servers/0/url`; the whole item → `/`. */
function toPointer(path: string): string {
  const segments = [...path.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[1] ?? m[2]).replace(/~/g, '~0').replace(/\//g, '~1'));
  return segments.length === 0 ? '/' : `/${segments.join('/')}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function walkProperties(value: Record<string, unknown>, prefix: string, visit: (path: string, key: string, value: unknown) => void): void {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    visit(path, key, child);
    if (isObject(child) && !isSecretReference(child)) walkProperties(child, path, visit);
  }
}

function typed(body: Record<string, unknown>, key: string, type: 'string' | 'boolean', message: string, errors: ValidationIssue[]): unknown {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== type) {
    errors.push({ field: key, message });
    return undefined;
  }
  return value;
}

function matchesType(value: unknown, type: PropertyType): boolean {
  switch (type) {
    case 'secret':
      return typeof value === 'string' || isSecretReference(value);
    case 'object':
      return isObject(value);
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
