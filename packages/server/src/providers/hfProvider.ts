import { SERVER_VERSION } from '../bundledPlugins.js';
import { canonicalJson, sha256Hex } from '../ingest/digest.js';
import { compileNameFilter } from '../ingest/globs.js';
import { HfClient, HfRequestError, nextLink } from './hfClient.js';
import { mapHfModel, readmeFile, withoutLastSynced } from './hfModelMapping.js';
import { resolveHfSettings, type HfPattern, type HfSettings } from './hfSettings.js';
import { ProviderError } from './ProviderError.js';
import type { SecretResolver } from './secretRefs.js';
import { hasControlCharacter } from './sourceProperties.js';
import type { FailedItem, FetchContext, FetchedDocument, FetchResult, Provider, ProviderRequest } from './types.js';

/** 03 §14.5: a larger README is left out of the model. */
export const MAX_README_BYTES = 1024 * 1024;
const PAGE_LIMIT = 100;

export interface HfProviderOptions {
  fetchContext: FetchContext;
  resolveSecret: SecretResolver;
  /** Where `apiKeyEnvVar` is looked up (the process environment in production). */
  env: Readonly<Record<string, string | undefined>>;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Defaults to `catalog-server/<version>`. */
  userAgent?: string;
  /** Backoff jitter source; tests pass `() => 0`. */
  random?: () => number;
}

/** What one refresh remembers per model, so an unchanged model keeps its `last_synced` and is not rewritten. */
interface ModelState {
  digest: string;
  lastSynced: string;
}

/**
 * The Hugging Face provider (03 §14): expands the include patterns through the hub's model list,
 * fetches each model's info and README, and hands the refresher one JSON document per model in the
 * model document format (03 §4.1), each with its own provenance (`revision` = the hub's commit sha).
 */
export function createHfProvider(options: HfProviderOptions): Provider {
  const userAgent = options.userAgent ?? `catalog-server/${SERVER_VERSION}`;
  return {
    type: 'hf',
    filters: (source) => {
      const settings = resolveHfSettings(source.properties, source);
      return { includedItems: settings.includedItems, excludedItems: settings.excludedItems };
    },
    fetch: async (request) => {
      const settings = resolveHfSettings(request.source.properties, request.source);
      const token = await resolveToken(settings, request, options);
      const client = new HfClient({
        origin: settings.origin,
        ...(token !== undefined && { token }),
        userAgent,
        concurrency: settings.concurrency,
        maxRequestsPerMinute: settings.maxRequestsPerMinute,
        requestTimeoutSeconds: settings.requestTimeoutSeconds,
        maxRetries: settings.maxRetries,
        ...(request.signal !== undefined && { signal: request.signal }),
        ...(options.random !== undefined && { random: options.random }),
      });
      try {
        if (token !== undefined) await checkCredentials(client, settings, options.fetchContext.maxBytes);
        return await fetchCatalog(client, settings, request, options);
      } finally {
        client.close();
      }
    },
  };
}

/**
 * 03 §14.2: `apiKey` (resolved) else the variable named by `apiKeyEnvVar`; a token without the `hf_`
 * prefix is not sent and the source works anonymously.
 */
async function resolveToken(settings: HfSettings, request: ProviderRequest, options: HfProviderOptions): Promise<string | undefined> {
  const token = settings.apiKey !== undefined
    ? await options.resolveSecret(settings.apiKey, { property: 'apiKey', namespace: request.location.namespace })
    : options.env[settings.apiKeyEnvVar];
  if (token === undefined || token === '') return undefined;
  const from = settings.apiKey !== undefined ? 'apiKey' : settings.apiKeyEnvVar;
  if (!token.startsWith('hf_')) {
    options.log.warn({ ...request.location, tokenFrom: from }, 'Hugging Face token does not start with "hf_"; it is not sent and only public models are fetched');
    return undefined;
  }
  if (hasControlCharacter(token)) throw new ProviderError(`the Hugging Face token from ${from} contains control characters`);
  return token;
}

async function checkCredentials(client: HfClient, settings: HfSettings, maxBytes: number): Promise<void> {
  try {
    await client.get(new URL(`${settings.baseUrl}/api/whoami-v2`), { maxBytes });
  } catch (error) {
    if (!(error instanceof HfRequestError)) throw error;
    if (error.status === 401) throw new ProviderError('invalid Hugging Face API credentials');
    throw new ProviderError(`Hugging Face credential check failed: ${error.message}`);
  }
}

interface Expansion {
  pattern: string;
  names: string[];
  error?: string;
  capped: boolean;
}

async function fetchCatalog(client: HfClient, settings: HfSettings, request: ProviderRequest, options: HfProviderOptions): Promise<FetchResult> {
  const { maxBytes } = options.fetchContext;
  const listed = settings.patterns.filter((p): p is Extract<HfPattern, { kind: 'list' }> => p.kind === 'list');
  const exact = settings.patterns.filter((p) => p.kind === 'exact');
  const expansions = await Promise.all(listed.map((pattern) => expandPattern(client, settings, pattern, maxBytes)));
  const failedPatterns = expansions.filter((e) => e.names.length === 0);
  if (exact.length === 0 && failedPatterns.length === listed.length) {
    const reasons = expansions.filter((e) => e.error !== undefined).map((e) => `${e.pattern}: ${e.error}`);
    throw new ProviderError(`no models found: [${listed.map((p) => p.pattern).join(', ')}]${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`);
  }

  const failedItems: FailedItem[] = [];
  const keep: string[] = [];
  const notices: string[] = [];
  for (const expansion of expansions) {
    if (expansion.error !== undefined) {
      failedItems.push({ file: expansion.pattern, message: expansion.error });
      // A listing that broke off says nothing about the models it did not reach: keep what was stored.
      keep.push(expansion.pattern);
    } else if (expansion.names.length === 0) {
      failedItems.push({ file: expansion.pattern, message: `pattern "${expansion.pattern}" matched no models` });
    }
    if (expansion.capped) {
      const notice = `maxModels cap of ${settings.maxModels} reached for "${expansion.pattern}"`;
      notices.push(notice);
      options.log.info({ ...request.location, pattern: expansion.pattern, maxModels: settings.maxModels }, notice);
    }
  }

  // Expansion order, first occurrence wins; the hub treats ids case-insensitively.
  const include = compileNameFilter(settings.includedItems, settings.excludedItems);
  const seen = new Set<string>();
  const ids: string[] = [];
  const expanded = settings.patterns.flatMap((p) => (p.kind === 'exact' ? [p.id] : expansions[listed.indexOf(p)].names));
  for (const id of expanded) {
    const lower = id.toLowerCase();
    if (seen.has(lower) || !include(id)) continue;
    seen.add(lower);
    ids.push(id);
  }

  const previous = previousModels(request.previousState);
  const lastSynced = String(Date.now());
  const fetchedAt = new Date().toISOString();
  const outcomes = await Promise.all(ids.map((id) => fetchModel(client, settings, id, maxBytes)));
  const documents: FetchedDocument[] = [];
  const state: Record<string, ModelState> = {};
  for (const [index, outcome] of outcomes.entries()) {
    const id = ids[index];
    if ('failure' in outcome) {
      failedItems.push({ file: `hf://${id}`, name: id, message: outcome.failure.message });
      if (outcome.failure.retryable) keep.push(id);
      continue;
    }
    const mapped = mapHfModel(outcome.info, { requestedId: id, ...(outcome.readme !== undefined && { readme: outcome.readme }), lastSynced });
    const digest = sha256Hex(canonicalJson(withoutLastSynced(mapped.entry)));
    const earlier = previous[mapped.name];
    const modelState = { digest, lastSynced: earlier?.digest === digest ? earlier.lastSynced : lastSynced };
    state[mapped.name] = modelState;
    const entry = { ...mapped.entry, customProperties: { ...(mapped.entry.customProperties as object), last_synced: { metadataType: 'MetadataStringValue', string_value: modelState.lastSynced } } };
    documents.push({
      file: `hf://${mapped.id}`,
      text: JSON.stringify({ source: request.source.name, models: [entry] }),
      digest,
      provenance: { type: 'hf', uri: mapped.id, revision: mapped.sha ?? null, digest: `sha256:${digest}`, fetchedAt },
    });
  }
  if (ids.length > 0 && documents.length === 0) {
    const first = failedItems.find((f) => f.name !== undefined)!;
    const more = outcomes.length > 1 ? ` (and ${outcomes.length - 1} more)` : '';
    throw new ProviderError(`no model could be fetched: ${first.name}: ${first.message}${more}`);
  }
  if (documents.length === 0) {
    // Every listed name was excluded: a valid, empty catalog.
    const text = JSON.stringify({ source: request.source.name, models: [] });
    const digest = sha256Hex(text);
    documents.push({ file: settings.baseUrl, text, digest, provenance: { type: 'hf', uri: settings.baseUrl, digest: `sha256:${digest}`, fetchedAt } });
  }
  return {
    documents,
    ...(failedItems.length > 0 && { failedItems }),
    ...(keep.length > 0 && { keep }),
    ...(notices.length > 0 && { notices }),
    state: { models: state },
  };
}

function previousModels(state: Record<string, unknown> | undefined): Record<string, ModelState | undefined> {
  const models = state?.models;
  return models !== null && typeof models === 'object' && !Array.isArray(models) ? (models as Record<string, ModelState>) : {};
}

/**
 * Lists one organization (03 §14.3, §14.4), following `rel="next"` links within the configured origin
 * until there is none or the `maxModels` cap is reached; page sizes are not an end signal.
 */
async function expandPattern(
  client: HfClient,
  settings: HfSettings,
  pattern: Extract<HfPattern, { kind: 'list' }>,
  maxBytes: number,
): Promise<Expansion> {
  const result: Expansion = { pattern: pattern.pattern, names: [], capped: false };
  const organization = pattern.organization.toLowerCase();
  const prefix = pattern.prefix.toLowerCase();
  let url: URL | undefined = new URL(`${settings.baseUrl}/api/models`);
  url.searchParams.set('author', pattern.organization);
  url.searchParams.set('limit', String(PAGE_LIMIT));
  if (pattern.prefix !== '') url.searchParams.set('search', pattern.prefix);
  const visited = new Set<string>();
  while (url !== undefined) {
    visited.add(url.href);
    let items: unknown;
    let link: string | string[] | undefined;
    try {
      const response = await client.get(url, { maxBytes });
      link = response.headers.link;
      items = JSON.parse(response.body.toString('utf8'));
    } catch (error) {
      if (error instanceof HfRequestError) return { ...result, error: error.message };
      if (error instanceof SyntaxError) return { ...result, error: `model list from ${settings.baseUrl}/api/models is not valid JSON` };
      throw error;
    }
    if (!Array.isArray(items)) return { ...result, error: `model list from ${settings.baseUrl}/api/models is not a JSON array` };
    for (const item of items) {
      const id = item !== null && typeof item === 'object' ? ((item as Record<string, unknown>).id ?? (item as Record<string, unknown>).modelId) : undefined;
      if (typeof id !== 'string') continue;
      const slash = id.indexOf('/');
      // The hub's search is fuzzy: it also returns ids that do not start with the prefix.
      if (slash === -1 || id.slice(0, slash).toLowerCase() !== organization || !id.slice(slash + 1).toLowerCase().startsWith(prefix)) continue;
      result.names.push(id);
      if (settings.maxModels > 0 && result.names.length >= settings.maxModels) {
        result.capped = true;
        return result;
      }
    }
    const next = nextLink(link, url);
    if (next !== undefined && next.origin !== settings.origin) {
      return { ...result, error: `next page link for "${pattern.pattern}" points to another origin (${next.origin}); not followed` };
    }
    if (next !== undefined && visited.has(next.href)) return { ...result, error: `next page link for "${pattern.pattern}" repeats an earlier page` };
    url = next;
  }
  return result;
}

type ModelOutcome = { info: Record<string, unknown>; readme?: string } | { failure: { message: string; retryable: boolean } };

async function fetchModel(client: HfClient, settings: HfSettings, id: string, maxBytes: number): Promise<ModelOutcome> {
  const path = id.split('/').map(encodeURIComponent).join('/');
  let info: unknown;
  try {
    const response = await client.get(new URL(`${settings.baseUrl}/api/models/${path}`), { maxBytes });
    info = JSON.parse(response.body.toString('utf8'));
  } catch (error) {
    // 404, 401, 403 and other final statuses drop the model; exhausted retries keep its stored version (03 §14.7).
    if (error instanceof HfRequestError) return { failure: { message: error.message, retryable: error.retryable } };
    if (error instanceof SyntaxError) return { failure: { message: `model info of ${id} is not valid JSON`, retryable: false } };
    throw error;
  }
  if (info === null || typeof info !== 'object' || Array.isArray(info)) return { failure: { message: `model info of ${id} is not a JSON object`, retryable: false } };
  const record = info as Record<string, unknown>;
  const file = readmeFile(record);
  if (file === undefined) return { info: record };
  const modelPath = (typeof record.id === 'string' && record.id !== '' ? record.id : id).split('/').map(encodeURIComponent).join('/');
  try {
    const response = await client.get(new URL(`${settings.baseUrl}/${modelPath}/raw/main/${encodeURIComponent(file)}`), {
      maxBytes: Math.min(MAX_README_BYTES, maxBytes),
      accept: 'text/plain, text/markdown, */*',
    });
    return { info: record, readme: response.body.toString('utf8') };
  } catch (error) {
    // A README that cannot be had leaves `readme` unset; it is not an error of the model (03 §14.5).
    if (error instanceof HfRequestError) return { info: record };
    throw error;
  }
}
