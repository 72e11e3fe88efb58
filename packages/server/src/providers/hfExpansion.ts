import { HfClient, HfRequestError, nextLink } from './hfClient.js';
import type { HfPattern, HfSettings } from './hfSettings.js';

const PAGE_LIMIT = 100;

export interface Expansion {
  pattern: string;
  names: string[];
  error?: string;
  capped: boolean;
}

/**
 * Lists one organization (03 §14.3, §14.4), following `rel="next"` links within the configured origin
 * until there is none or the `maxModels` cap is reached; page sizes are not an end signal.
 */
export async function expandPattern(
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
