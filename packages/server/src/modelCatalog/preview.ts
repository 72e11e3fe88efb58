import type { KindDeclaration } from '@catalog/framework';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { SourceConfig } from '../config/sourcesDocument.js';
import { BadRequestError, PayloadTooLargeError, ServiceUnavailableError, UnprocessableEntityError } from '../errors.js';
import { compileNameFilter, validatePatterns } from '../ingest/globs.js';
import { parseSourceDocument } from '../ingest/parseDocument.js';
import { validateEntries } from '../ingest/validateEntries.js';
import type { HfPreviewItem } from '../providers/hfPreview.js';
import { ProviderError } from '../providers/ProviderError.js';
import type { Provider } from '../providers/types.js';
import type { FormPart } from './multipart.js';

/** `config` ≤ 1 MiB (spec 03 §12). */
const MAX_CONFIG_BYTES = 1024 * 1024;
const PREVIEW_TYPES = new Set(['yaml', 'hf', 'huggingface']);

export interface PreviewItem {
  name: string;
  included: boolean;
}

export interface PreviewResult {
  items: PreviewItem[];
  summary: { totalModels: number; includedModels: number; excludedModels: number; rejectedModels: number };
}

export interface PreviewContext {
  namespace: string;
  kind: KindDeclaration;
  providers: Readonly<Record<string, Provider>>;
  /** 03 §14.8: an `hf` configuration is expanded against the hub, not fetched like a refresh. */
  previewHf: (source: SourceConfig, namespace: string) => Promise<HfPreviewItem[]>;
  maxSourceBytes: number;
}

/**
 * `POST /sources/preview` (spec 03 §12): which models a source configuration would include. Nothing
 * is written; every failure is a 4xx naming its reason.
 */
export async function previewSource(parts: readonly FormPart[], ctx: PreviewContext): Promise<PreviewResult> {
  const configPart = parts.find((part) => part.name === 'config');
  if (!configPart) throw new BadRequestError('config file is required');
  if (configPart.data.length > MAX_CONFIG_BYTES) throw new PayloadTooLargeError(`config exceeds the limit of ${MAX_CONFIG_BYTES} bytes`);
  const dataPart = parts.find((part) => part.name === 'catalogData');
  if (dataPart && dataPart.data.length > ctx.maxSourceBytes) throw new PayloadTooLargeError(`catalogData exceeds the limit of ${ctx.maxSourceBytes} bytes`);

  const source = parseConfig(configPart.data.toString('utf8'));
  const { items, rejected } = source.type === 'yaml' ? await yamlItems(source, dataPart, ctx) : { items: await hfItems(source, ctx), rejected: 0 };
  const included = items.filter((item) => item.included).length;
  return {
    items,
    summary: { totalModels: items.length, includedModels: included, excludedModels: items.length - included, rejectedModels: rejected },
  };
}

function parseConfig(text: string): SourceConfig {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    throw new UnprocessableEntityError(`invalid config${where}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UnprocessableEntityError('invalid config: must be a map');
  const config = value as Record<string, unknown>;
  if (typeof config.type !== 'string' || config.type === '') throw new UnprocessableEntityError('invalid config: missing required field "type"');
  if (!PREVIEW_TYPES.has(config.type)) throw new UnprocessableEntityError('preview supports source types yaml and hf');
  const properties = isMap(config.properties) ? config.properties : {};
  const list = (field: string, from: Record<string, unknown> = config): string[] => {
    const items = from[field];
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) throw new UnprocessableEntityError(`invalid config: ${field} must be a list of strings`);
    return items as string[];
  };
  const includedItems = [...list('includedItems'), ...list('includedModels')];
  const excludedItems = [...list('excludedItems'), ...list('excludedModels'), ...list('excludedModels', properties)];
  const errors = validatePatterns(includedItems, excludedItems).filter((problem) => problem.severity === 'error');
  if (errors.length > 0) throw new UnprocessableEntityError(`invalid config: ${errors.map((problem) => problem.message).join('; ')}`);
  return {
    id: 'preview', name: 'preview', type: config.type === 'huggingface' ? 'hf' : config.type, enabled: true, labels: [],
    properties, includedItems, excludedItems, line: 1, problems: [],
  };
}

async function yamlItems(source: SourceConfig, dataPart: FormPart | undefined, ctx: PreviewContext): Promise<{ items: PreviewItem[]; rejected: number }> {
  let text: string;
  let file: string;
  if (dataPart) {
    text = dataPart.data.toString('utf8');
    file = dataPart.filename ?? 'catalogData';
  } else {
    const path = source.properties.yamlCatalogPath;
    if (typeof path !== 'string' || path === '') {
      throw new UnprocessableEntityError('missing required property: yamlCatalogPath (provide catalogData file or set yamlCatalogPath in config)');
    }
    const fetched = await fetchOrReject(ctx.providers.yaml, { ...source, properties: { yamlCatalogPath: path } }, ctx.namespace);
    text = fetched[0].text;
    file = fetched[0].file;
  }
  const { names, rejected } = namesOf(text, file, ctx);
  const keep = compileNameFilter(source.includedItems, source.excludedItems);
  return { items: names.map((name) => ({ name, included: keep(name) })), rejected };
}

async function hfItems(source: SourceConfig, ctx: PreviewContext): Promise<PreviewItem[]> {
  try {
    return await ctx.previewHf(source, ctx.namespace);
  } catch (error) {
    if (error instanceof ProviderError) throw new UnprocessableEntityError(error.message);
    throw error;
  }
}

async function fetchOrReject(provider: Provider | undefined, source: SourceConfig, namespace: string) {
  if (!provider) throw new ServiceUnavailableError(`source type "${source.type}" is not available in this server build`);
  try {
    const result = await provider.fetch({ source, location: { namespace, plugin: 'model', sourceId: source.id }, force: true });
    if (result.unchanged) throw new ProviderError('the provider returned no document');
    return result.documents;
  } catch (error) {
    if (error instanceof ProviderError) throw new UnprocessableEntityError(error.message);
    throw error;
  }
}

/** Names of the valid entries in document order, validated exactly like an ingest. */
function namesOf(text: string, file: string, ctx: PreviewContext): { names: string[]; rejected: number } {
  const parsed = parseSourceDocument(text, { file, maxBytes: ctx.maxSourceBytes, yamlKey: 'models' });
  if (!parsed.ok) {
    const { line, column, message } = parsed.error;
    const where = line !== undefined ? ` at line ${line}${column !== undefined ? `, column ${column}` : ''}` : '';
    throw new UnprocessableEntityError(`${file}${where}: ${message}`);
  }
  const result = validateEntries(ctx.kind, parsed.entries, { file, yamlKey: 'models', includedItems: [], excludedItems: [] });
  return { names: result.accepted.map((entry) => entry.name), rejected: result.rejectedCount };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
