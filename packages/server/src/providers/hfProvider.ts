import { canonicalJson, sha256Hex } from '../ingest/digest.js';
import { compileNameFilter } from '../ingest/globs.js';
import { openHfClient, resolveHfToken, type HfAccessOptions } from './hfAccess.js';
import { HfClient, HfRequestError } from './hfClient.js';
import { expandPattern } from './hfExpansion.js';
import { mapHfModel, readmeFile, withLastSynced } from './hfModelMapping.js';
import { resolveHfSettings, type HfPattern, type HfSettings } from './hfSettings.js';
import { ProviderError } from './ProviderError.js';
import type { FailedItem, FetchContext, FetchedDocument, FetchResult, Provider, ProviderRequest } from './types.js';

/** 03 §14.5: a larger README is left out of the model. */
export const MAX_README_BYTES = 1024 * 1024;

export interface HfProviderOptions extends HfAccessOptions {
  fetchContext: FetchContext;
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
  return {
    type: 'hf',
    filters: (source) => {
      const settings = resolveHfSettings(source.properties, source);
      return { includedItems: settings.includedItems, excludedItems: settings.excludedItems };
    },
    fetch: async (request) => {
      const settings = resolveHfSettings(request.source.properties, request.source);
      const token = await resolveHfToken(settings, request.location.namespace, options, request.location);
      const client = openHfClient(settings, token, options, request.signal);
      try {
        if (token !== undefined) await checkCredentials(client, settings, options.fetchContext.maxBytes);
        return await fetchCatalog(client, settings, request, options);
      } finally {
        client.close();
      }
    },
  };
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
      failedItems.push({ file: expansion.pattern, name: expansion.pattern, message: expansion.error });
      // A listing that broke off says nothing about the models it did not reach: keep what was stored.
      keep.push(expansion.pattern);
    } else if (expansion.names.length === 0) {
      failedItems.push({ file: expansion.pattern, name: expansion.pattern, message: `pattern "${expansion.pattern}" matched no models` });
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
    const mapped = mapHfModel(outcome.info, { requestedId: id, ...(outcome.readme !== undefined && { readme: outcome.readme }) });
    // `last_synced` stays out of the digest, and an unchanged model keeps the value stored with it,
    // so a sync that changes nothing produces the same bytes and writes nothing (03 §14.5).
    const digest = sha256Hex(canonicalJson(mapped.entry));
    const earlier = previous[mapped.name];
    const modelState = { digest, lastSynced: earlier?.digest === digest ? earlier.lastSynced : lastSynced };
    state[mapped.name] = modelState;
    const entry = withLastSynced(mapped.entry, modelState.lastSynced);
    documents.push({
      file: `hf://${mapped.id}`,
      text: JSON.stringify({ source: request.source.name, models: [entry] }),
      digest,
      provenance: { type: 'hf', uri: mapped.id, revision: mapped.sha ?? null, digest: `sha256:${digest}`, fetchedAt },
    });
  }
  if (ids.length > 0 && documents.length === 0) {
    const first = failedItems.find((f) => f.file.startsWith('hf://'))!;
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

type InfoOutcome = { info: Record<string, unknown> } | { failure: { message: string; retryable: boolean } };
type ModelOutcome = InfoOutcome & { readme?: string };

/** `GET {url}/api/models/<id>`: the model info object, or why there is none. */
export async function fetchModelInfo(client: HfClient, settings: HfSettings, id: string, maxBytes: number): Promise<InfoOutcome> {
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
  return { info: info as Record<string, unknown> };
}

async function fetchModel(client: HfClient, settings: HfSettings, id: string, maxBytes: number): Promise<ModelOutcome> {
  const outcome = await fetchModelInfo(client, settings, id, maxBytes);
  if ('failure' in outcome) return outcome;
  const { info } = outcome;
  const file = readmeFile(info);
  if (file === undefined) return outcome;
  const modelPath = (typeof info.id === 'string' && info.id !== '' ? info.id : id).split('/').map(encodeURIComponent).join('/');
  try {
    const response = await client.get(new URL(`${settings.baseUrl}/${modelPath}/raw/main/${encodeURIComponent(file)}`), {
      maxBytes: Math.min(MAX_README_BYTES, maxBytes),
    });
    return { info, readme: response.body.toString('utf8') };
  } catch (error) {
    // A README that cannot be had leaves `readme` unset; it is not an error of the model (03 §14.5).
    if (error instanceof HfRequestError) return outcome;
    throw error;
  }
}
