// Fixture extraction without a YAML library (the harness depends on ajv only): the catalog content is
// cut at the text level, so the kept entry stays byte-identical apart from its renamed `name`.

export interface FixtureContent {
  /** The top-level key holding the entries (e.g. `mcpservers`). */
  key: string;
  /** Catalog text with only the first entry, renamed. */
  content: string;
}

interface Block {
  key: string;
  lines: string[];
}

const TOP_LEVEL_KEY = /^([A-Za-z_][\w.-]*)\s*:(.*)$/;

function isIgnorable(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#');
}

function topLevelBlocks(text: string): Block[] | null {
  const blocks: Block[] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line === '---' || line === '...') continue;
    if (!/^\s/.test(line) && !isIgnorable(line) && !line.startsWith('- ')) {
      const match = TOP_LEVEL_KEY.exec(line);
      if (!match) return null;
      blocks.push({ key: match[1], lines: [line] });
    } else if (blocks.length > 0) blocks[blocks.length - 1].lines.push(line);
    else if (!isIgnorable(line)) return null;
  }
  return blocks;
}

/** The lines of the first `- ` entry of a block-sequence value, or null when the value is not one. */
function firstEntry(block: Block): string[] | null {
  if (block.lines[0].replace(TOP_LEVEL_KEY, '$2').trim() !== '') return null;
  const body = block.lines.slice(1);
  const start = body.findIndex((l) => !isIgnorable(l));
  if (start < 0) return null;
  const dash = /^(\s*)-(\s|$)/.exec(body[start]);
  if (!dash) return null;
  const indent = dash[1].length;
  const entry = [body[start]];
  for (const line of body.slice(start + 1)) {
    if (!isIgnorable(line)) {
      const lineIndent = line.length - line.trimStart().length;
      if (lineIndent < indent || (lineIndent === indent && /^-(\s|$)/.test(line.trimStart()))) break;
    }
    entry.push(line);
  }
  while (entry.length > 1 && isIgnorable(entry[entry.length - 1])) entry.pop();
  return entry;
}

function quoted(name: string): string {
  return JSON.stringify(name);
}

/** Renames the entry's `name` (block or flow mapping); null when it has none or a block-scalar one. */
function renameEntry(entry: string[], name: string): string[] | null {
  const first = /^(\s*-\s+)(.*)$/.exec(entry[0]);
  if (!first) return null;
  const rest = first[2];
  if (rest.startsWith('{')) {
    const renamed = rest.replace(/([{,]\s*)name\s*:\s*("[^"]*"|'[^']*'|[^,}]*)/, `$1name: ${quoted(name)}`);
    return renamed === rest ? null : [first[1] + renamed, ...entry.slice(1)];
  }
  const keyIndent = first[1].length;
  const nameLine = /^name\s*:\s*(.*)$/;
  for (let i = 0; i < entry.length; i++) {
    const content = i === 0 ? rest : entry[i].length - entry[i].trimStart().length === keyIndent ? entry[i].trimStart() : undefined;
    const match = content === undefined ? null : nameLine.exec(content);
    if (!match) continue;
    if (/^[|>]/.test(match[1])) return null;
    const prefix = i === 0 ? first[1] : ' '.repeat(keyIndent);
    return entry.map((line, j) => (j === i ? `${prefix}name: ${quoted(name)}` : line));
  }
  return null;
}

function fromJson(text: string, name: string, strict: boolean): FixtureContent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const entries = Object.entries(parsed);
  if (strict && entries.length !== 1) return null;
  const found = entries.find(([, v]) => Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null);
  if (!found) return null;
  const [key, list] = found as [string, Record<string, unknown>[]];
  const kept = Object.fromEntries(entries.filter(([k]) => k !== key));
  return { key, content: JSON.stringify({ ...kept, [key]: [{ ...list[0], name }] }, null, 2) + '\n' };
}

/**
 * The first entry of catalog text, renamed to `name` (07 §4.2 item 7). `strict` (content derived from
 * the server's sources) demands exactly one top-level key holding a non-empty sequence; a fixture file
 * given by the user may have more top-level keys: the first sequence is cut, the others are kept.
 */
export function fixtureContent(text: string, name: string, strict: boolean): FixtureContent | null {
  if (text.trimStart().startsWith('{')) return fromJson(text, name, strict);
  const blocks = topLevelBlocks(text);
  if (!blocks || blocks.length === 0 || (strict && blocks.length !== 1)) return null;
  for (const block of blocks) {
    const entry = firstEntry(block);
    if (!entry) continue;
    const renamed = renameEntry(entry, name);
    if (!renamed) return null;
    const others = blocks.filter((b) => b !== block).flatMap((b) => b.lines);
    return { key: block.key, content: [...others, `${block.key}:`, ...renamed, ''].join('\n') };
  }
  return null;
}
