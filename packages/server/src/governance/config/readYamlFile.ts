import { readFile } from 'node:fs/promises';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { StartupError } from '../../errors.js';

/** The position of a value in a YAML file, for startup messages. */
export type Locate = (path: readonly (string | number)[]) => string;

/**
 * Reads an optional YAML configuration file (spec 06 §2.1): `undefined` when it does not exist; a
 * file that cannot be read or parsed is a StartupError naming the file, line and column.
 */
export async function readYamlFile(path: string): Promise<{ value: unknown; locate: Locate } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StartupError(`${path}: cannot be read: ${(error as Error).message}`);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problem = document.errors[0];
  if (problem) {
    const at = problem.linePos?.[0];
    throw new StartupError(`${path}${at ? `:${at.line}:${at.col}` : ''}: invalid YAML: ${problem.message.split('\n')[0]}`);
  }
  const locate: Locate = (keys) => {
    // A mapping key points at the key itself (the usual place to look for a wrong key); an index at the item.
    const last = keys.at(-1);
    const parent = keys.length > 0 ? document.getIn(keys.slice(0, -1), true) : undefined;
    const pair = typeof last === 'string' && isMap(parent) ? parent.items.find((item) => isScalar(item.key) && item.key.value === last) : undefined;
    const node = (pair?.key ?? document.getIn(keys, true)) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (offset === undefined) return path;
    const { line, col } = lineCounter.linePos(offset);
    return `${path}:${line}:${col}`;
  };
  return { value: document.toJS({ maxAliasCount: 100 }) as unknown, locate };
}

/** Checks that an object has only the given keys; an unknown key is fatal (06 §2.2, §2.3). */
export function rejectUnknownKeys(value: Record<string, unknown>, allowed: readonly string[], at: (string | number)[], locate: Locate, label: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new StartupError(`${locate([...at, key])}: unknown key "${label}${key}"`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
