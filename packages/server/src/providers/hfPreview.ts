import { compileNameFilter } from '../ingest/globs.js';
import { openHfClient, resolveHfToken, type HfAccessOptions } from './hfAccess.js';
import { expandPattern } from './hfExpansion.js';
import { fetchModelInfo } from './hfProvider.js';
import { DEFAULT_HF_URL, resolveHfSettings } from './hfSettings.js';

export interface HfPreviewOptions extends HfAccessOptions {
  /** `CATALOG_HF_ALLOWED_URLS`: origins a preview may use as `properties.url`. */
  allowedUrls: readonly string[];
  /** `CATALOG_MAX_SOURCE_BYTES`, per response. */
  maxBytes: number;
  signal?: AbortSignal;
  /** The hub used when `properties.url` is absent or not allowed; tests point it at a mock. */
  defaultUrl?: string;
}

export interface HfPreviewItem {
  name: string;
  included: boolean;
}

/**
 * The names an `hf` source configuration would produce, for `POST /sources/preview` (03 §14.8): the
 * runtime expansion, filtering and `maxModels`; exact ids resolved through the model info endpoint
 * (listed as given when that fails); failing wildcard patterns skipped. `properties.url` is used only
 * when its origin is in `allowedUrls`, so a preview cannot send a token to an arbitrary host.
 * Invalid properties or patterns throw a ProviderError (the preview answers 422).
 */
export async function previewHfSource(
  config: { properties: Record<string, unknown>; includedItems: readonly string[]; excludedItems: readonly string[] },
  namespace: string,
  options: HfPreviewOptions,
): Promise<HfPreviewItem[]> {
  const properties = { ...config.properties };
  const allowed = typeof properties.url === 'string' && options.allowedUrls.includes(originOf(properties.url));
  if (!allowed) properties.url = options.defaultUrl ?? DEFAULT_HF_URL;
  const settings = resolveHfSettings(properties, config);
  const token = await resolveHfToken(settings, namespace, options, { namespace, preview: true });
  const client = openHfClient(settings, token, options, options.signal);
  try {
    const names = await Promise.all(settings.patterns.map(async (pattern): Promise<string[]> => {
      if (pattern.kind === 'list') return (await expandPattern(client, settings, pattern, options.maxBytes)).names;
      const resolved = await fetchModelInfo(client, settings, pattern.id, options.maxBytes);
      const id = 'info' in resolved ? resolved.info.id : undefined;
      return [typeof id === 'string' && id !== '' ? id : pattern.id];
    }));
    const include = compileNameFilter(settings.includedItems, settings.excludedItems);
    const seen = new Set<string>();
    const items: HfPreviewItem[] = [];
    for (const name of names.flat()) {
      if (seen.has(name.toLowerCase())) continue;
      seen.add(name.toLowerCase());
      items.push({ name, included: include(name) });
    }
    return items;
  } finally {
    client.close();
  }
}

function originOf(url: string): string {
  try {
    return new URL(url.trim()).origin;
  } catch {
    return '';
  }
}
