import { open } from 'node:fs/promises';
import type { SourceConfig } from '../config/sourcesDocument.js';
import { sha256Hex } from '../ingest/digest.js';
import { resolveInsideDataRoots } from './dataRoots.js';
import { ProviderError } from './ProviderError.js';
import type { FetchContext, FetchedDocument, Provider, SourceLocation } from './types.js';

/**
 * The `yaml` provider (spec 02 §2.7, 04 §14.1): one document from a file inside the data roots, or
 * inline `content`. Unchanged content is detected by the refresher from the document digest.
 */
export function createYamlProvider(ctx: FetchContext, readManagedContent: ReadManagedContent): Provider {
  return {
    type: 'yaml',
    fetch: async ({ source, location }) => ({ documents: [await fetchYamlDocument(source, location, ctx, readManagedContent)] }),
  };
}

/** The text a `managedContent` value (`sha256:<hex>`) names for a source (spec 04 §7), if stored. */
export type ReadManagedContent = (location: SourceLocation, managedContent: string) => Promise<string | undefined>;

async function fetchYamlDocument(source: SourceConfig, location: SourceLocation, ctx: FetchContext, readManagedContent: ReadManagedContent): Promise<FetchedDocument> {
  const fetchedAt = new Date().toISOString();
  let content = source.properties.content;
  const managed = source.properties.managedContent;
  if (typeof content !== 'string' && typeof managed === 'string') {
    content = await readManagedContent(location, managed);
    if (content === undefined) throw new ProviderError(`managed content ${managed} not found`);
  }
  if (typeof content === 'string') {
    const bytes = Buffer.byteLength(content);
    if (bytes > ctx.maxBytes) throw new ProviderError(`content exceeds maximum size of ${ctx.maxBytes} bytes`);
    const digest = sha256Hex(content);
    return { file: '<inline>', text: content, digest, provenance: { type: 'yaml', uri: `managed:sha256:${digest}`, digest: `sha256:${digest}`, fetchedAt } };
  }
  const configured = source.properties.yamlCatalogPath ?? source.properties.path;
  if (typeof configured !== 'string' || configured === '') throw new ProviderError('one of yamlCatalogPath or content is required');
  const path = await resolveInsideDataRoots(ctx.baseDir, configured, ctx.dataRoots);
  const text = await readLimited(path, configured, ctx.maxBytes);
  const digest = sha256Hex(text);
  return { file: configured, text, digest, provenance: { type: 'yaml', uri: configured, digest: `sha256:${digest}`, fetchedAt } };
}

/** Reads at most `maxBytes`; larger files fail without being read whole. */
async function readLimited(path: string, configured: string, maxBytes: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new ProviderError(`file exceeds maximum size of ${maxBytes} bytes`);
    return await handle.readFile('utf8');
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw new ProviderError(`cannot read ${configured}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  } finally {
    await handle.close();
  }
}
