import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ProviderError } from './ProviderError.js';

/**
 * Resolves a configured file path against the base directory and through symlinks, and requires the
 * result to lie inside an allowed data root (spec 04 §15). Missing files are reported as written.
 */
export async function resolveInsideDataRoots(baseDir: string, configured: string, dataRoots: readonly string[]): Promise<string> {
  const absolute = resolve(baseDir, configured);
  let real: string;
  try {
    real = await realpath(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ProviderError(`file not found: ${configured}`);
    throw new ProviderError(`cannot read ${configured}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  for (const root of dataRoots) {
    const realRoot = await realpath(root).catch(() => resolve(root));
    const rel = relative(realRoot, real);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return real;
  }
  throw new ProviderError(`path "${configured}" resolves outside the allowed data roots`);
}
