import { isScalar, Schema, type ScalarTag } from 'yaml';

/**
 * A fast reader for the plain block-style YAML that catalog sources are written in.
 *
 * The `yaml` library parses about 2.5 MB/s, so a 10,000-entry source would block the event loop for
 * well over a second. This reader handles a strict subset line by line: block mappings with plain
 * identifier keys, block sequences, single-line plain and quoted scalars, `|`/`>` block scalars with
 * clip or strip chomping, empty flow collections, single-line flow sequences of plain scalars, and
 * comments. Anything else — anchors, tags, multi-line flow or plain scalars, uncommon escapes, tabs,
 * duplicate keys, syntax errors — makes it decline by returning `undefined`, and the caller parses the
 * text with the `yaml` library instead. It therefore never reports errors, and for any text it accepts
 * it yields exactly what the library would; scalars are resolved with the library's own YAML 1.2
 * core-schema tags so that the two cannot disagree on types.
 */

/** One entry of the requested top-level sequence. Lines and columns are 1-based. */
export interface SubsetEntry {
  value: unknown;
  /** Where the entry's node starts (the first key of a mapping entry). */
  line: number;
  column: number;
  /** First and last line of the entry's text, its `-` indicator included. */
  firstLine: number;
  lastLine: number;
}

export type SubsetResult = { entries: SubsetEntry[] } | { missingKey: true };

/**
 * Parses `text` if it is within the subset and its top-level mapping either holds `key` as a block
 * sequence or lacks `key`. Documents nested deeper than `maxDepth` collections are declined, so the
 * library path reports the limit with a position.
 */
export function parseYamlSubset(text: string, key: string, maxDepth: number): SubsetResult | undefined {
  if (text.startsWith('\uFEFF') || UNSUPPORTED_CHARACTER.test(text)) return undefined;
  try {
    return new SubsetReader(text, key, maxDepth).read();
  } catch (error) {
    if (error instanceof Declined) return undefined;
    throw error;
  }
}

// Tabs, carriage returns, C0/C1 controls, Unicode line separators and the byte-order mark are all
// treated specially by YAML somewhere; a document containing any of them is left to the library.
const UNSUPPORTED_CHARACTER = /[^\n\x20-\x7E\xA0-\u2027\u202A-\uFEFE\uFF00-\uFFFD]/;

const KEY = /([A-Za-z_$][\w$./-]*):(?: +|$)/y;
// Plain keys that the core schema resolves to null or a boolean rather than to a string.
const NON_STRING_KEY = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;
const BLOCK_SCALAR_HEADER = /([|>])(-?)(?: +#.*| *)$/y;
const AFTER_VALUE = /(?: +#.*| *)$/y;
const EMPTY_FLOW = /\[ *\]|\{ *\}/y;
const FLOW_SEQUENCE = /\[([^[\]{}"'#:]*)\]/y;
// Characters that cannot start a plain scalar in the subset.
const INDICATORS = new Set(['&', '*', '!', '%', '@', '`', '?', ':', ',', '[', ']', '{', '}', '#', '|', '>', "'", '"']);
const ESCAPES = new Map([['"', '"'], ['\\', '\\'], ['/', '/'], ['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t']]);
// Only plain scalars starting with one of these can resolve to null, a boolean or a number.
const NON_STRING_START = /^[-+.0-9~nNtTfF]/;

const CORE_TAGS = new Schema({}).tags.filter(
  (tag): tag is ScalarTag => tag.default === true && !('collection' in tag && tag.collection) && tag.test !== undefined,
);
const RESOLVE_OPTIONS = { intAsBigInt: false };

class Declined extends Error {}

function decline(): never {
  throw new Declined('outside the YAML subset');
}

class SubsetReader {
  private readonly lines: string[];
  /** Column of each line's first non-space character, or -1 for a blank line. */
  private readonly indents: Int32Array;
  private readonly isComment: Uint8Array;
  /** Index of the first line not consumed by the value read last. */
  private position = 0;
  private entries: SubsetEntry[] | undefined;

  constructor(
    text: string,
    private readonly key: string,
    private readonly maxDepth: number,
  ) {
    this.lines = text.split('\n');
    this.indents = new Int32Array(this.lines.length);
    this.isComment = new Uint8Array(this.lines.length);
    for (let i = 0; i < this.lines.length; i++) {
      const line = this.lines[i];
      let indent = 0;
      while (line.charCodeAt(indent) === 0x20) indent++;
      this.indents[i] = indent === line.length ? -1 : indent;
      this.isComment[i] = line.charCodeAt(indent) === 0x23 ? 1 : 0;
      if (indent === 0 && (line.startsWith('%') || /^(?:---|\.\.\.)(?: |$)/.test(line))) decline();
    }
  }

  read(): SubsetResult {
    const first = this.nextContent(0);
    if (first === this.lines.length || this.indents[first] !== 0) decline();
    this.readMapping(first, 0, 0, 1);
    if (this.nextContent(this.position) !== this.lines.length) decline();
    return this.entries ? { entries: this.entries } : { missingKey: true };
  }

  /** Index of the first line at or after `from` that is neither blank nor a comment. */
  private nextContent(from: number): number {
    let i = from;
    while (i < this.lines.length && (this.indents[i] === -1 || this.isComment[i] === 1)) i++;
    return i;
  }

  private isSequenceItem(line: number, column: number): boolean {
    const text = this.lines[line];
    return text.charCodeAt(column) === 0x2d && (column + 1 === text.length || text.charCodeAt(column + 1) === 0x20);
  }

  private startsKey(line: number, column: number): boolean {
    KEY.lastIndex = column;
    return KEY.test(this.lines[line]);
  }

  /** The block collection starting on `line` at that line's indentation. */
  private readBlock(line: number, depth: number): unknown {
    const column = this.indents[line];
    if (this.isSequenceItem(line, column)) return this.readSequence(line, column, depth, false);
    if (!this.startsKey(line, column)) decline();
    return this.readMapping(line, column, column, depth);
  }

  /**
   * A block mapping whose keys sit at `column`. Its first key is on `line` at `firstColumn`, which is
   * past the line's indentation when the mapping starts on a `- ` line.
   */
  private readMapping(line: number, column: number, firstColumn: number, depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) decline();
    const mapping: Record<string, unknown> = {};
    let keyLine = line;
    let keyColumn = firstColumn;
    for (;;) {
      const text = this.lines[keyLine];
      KEY.lastIndex = keyColumn;
      const match = KEY.exec(text);
      if (!match) decline();
      const key = match[1];
      // `__proto__` would need defineProperty; null/boolean keys would be stringified by the library.
      if (key === '__proto__' || NON_STRING_KEY.test(key) || Object.hasOwn(mapping, key)) decline();
      const valueColumn = KEY.lastIndex;
      const holdsEntries = depth === 1 && key === this.key;
      if (valueColumn < text.length && text[valueColumn] !== '#') {
        if (holdsEntries) decline();
        mapping[key] = this.readInlineValue(keyLine, valueColumn, column, depth);
      } else {
        mapping[key] = this.readNestedValue(keyLine, column, depth, holdsEntries);
      }
      keyLine = this.nextContent(this.position);
      if (keyLine === this.lines.length || this.indents[keyLine] < column) return mapping;
      if (this.indents[keyLine] > column) decline();
      // A `- ` at the key column ends this mapping; the enclosing reader decides whether that is valid.
      if (this.isSequenceItem(keyLine, column)) return mapping;
      keyColumn = column;
    }
  }

  /** The value of a `key:` with nothing after it: a block collection on the following lines, or null. */
  private readNestedValue(keyLine: number, column: number, depth: number, holdsEntries: boolean): unknown {
    this.position = keyLine + 1;
    const next = this.nextContent(keyLine + 1);
    if (next < this.lines.length) {
      const indent = this.indents[next];
      // A sequence may sit at the indentation of the key that owns it.
      if (indent >= column && this.isSequenceItem(next, indent)) return this.readSequence(next, indent, depth + 1, holdsEntries);
      if (indent > column && !holdsEntries) return this.readBlock(next, depth + 1);
    }
    if (holdsEntries) decline();
    return null;
  }

  private readSequence(line: number, column: number, depth: number, holdsEntries: boolean): unknown[] {
    if (depth > this.maxDepth) decline();
    const items: unknown[] = [];
    const entries: SubsetEntry[] = [];
    let itemLine = line;
    for (;;) {
      const text = this.lines[itemLine];
      let valueLine = itemLine;
      let valueColumn = column + 1;
      while (text.charCodeAt(valueColumn) === 0x20) valueColumn++;
      let value: unknown;
      if (valueColumn >= text.length || text[valueColumn] === '#') {
        valueLine = this.nextContent(itemLine + 1);
        // A bare `-` (a null item) is left to the library.
        if (valueLine === this.lines.length || this.indents[valueLine] <= column) decline();
        valueColumn = this.indents[valueLine];
        value = this.readBlock(valueLine, depth + 1);
      } else if (this.isSequenceItem(itemLine, valueColumn)) {
        decline();
      } else if (this.startsKey(itemLine, valueColumn)) {
        value = this.readMapping(itemLine, valueColumn, valueColumn, depth + 1);
      } else {
        value = this.readInlineValue(itemLine, valueColumn, column, depth);
      }
      items.push(value);
      if (holdsEntries) {
        entries.push({ value, line: valueLine + 1, column: valueColumn + 1, firstLine: itemLine + 1, lastLine: this.position });
      }
      itemLine = this.nextContent(this.position);
      if (itemLine === this.lines.length || this.indents[itemLine] < column) break;
      if (this.indents[itemLine] > column) decline();
      if (!this.isSequenceItem(itemLine, column)) break;
    }
    if (holdsEntries) this.entries = entries;
    return items;
  }

  /**
   * A value that starts on `line` at `column`, after `key: ` or `- `. `parentIndent` is the indentation
   * of the enclosing collection, which the content of a block scalar must exceed.
   */
  private readInlineValue(line: number, column: number, parentIndent: number, depth: number): unknown {
    const text = this.lines[line];
    this.position = line + 1;
    const first = text[column];
    let value: unknown;
    let end: number;
    if (first === '"') [value, end] = readDoubleQuoted(text, column);
    else if (first === "'") [value, end] = readSingleQuoted(text, column);
    else if (first === '|' || first === '>') return this.readBlockScalar(line, column, parentIndent);
    else if (first === '[' || first === '{') {
      if (depth + 1 > this.maxDepth) decline();
      [value, end] = readFlowCollection(text, column);
    } else if (INDICATORS.has(first) || this.isSequenceItem(line, column)) decline();
    else return readPlain(text, column);
    AFTER_VALUE.lastIndex = end;
    if (!AFTER_VALUE.test(text)) decline();
    return value;
  }

  private readBlockScalar(line: number, column: number, parentIndent: number): string {
    BLOCK_SCALAR_HEADER.lastIndex = column;
    const header = BLOCK_SCALAR_HEADER.exec(this.lines[line]);
    if (!header) decline();
    const folded = header[1] === '>';
    const strip = header[2] === '-';
    const start = line + 1;
    // Leading blank lines and empty scalars have indentation rules of their own; leave them to the library.
    if (start === this.lines.length || this.indents[start] === -1 || this.indents[start] <= parentIndent) decline();
    const contentIndent = this.indents[start];
    const parts: string[] = [];
    let next = start;
    for (; next < this.lines.length; next++) {
      const indent = this.indents[next];
      if (indent === -1) {
        // Spaces beyond the content indentation would be content.
        if (this.lines[next].length > contentIndent) decline();
        parts.push('');
        continue;
      }
      if (indent < contentIndent) break;
      // More-indented lines are not folded.
      if (folded && indent > contentIndent) decline();
      parts.push(this.lines[next].slice(contentIndent));
    }
    // Clip and strip chomping both drop trailing blank lines.
    let count = parts.length;
    while (parts[count - 1] === '') count--;
    this.position = start + count;
    const body = folded ? fold(parts, count) : parts.slice(0, count).join('\n');
    return strip ? body : `${body}\n`;
  }
}

/** Folded style: a single line break becomes a space, each blank line in a run becomes a line break. */
function fold(parts: readonly string[], count: number): string {
  let text = parts[0];
  let blanks = 0;
  for (let i = 1; i < count; i++) {
    if (parts[i] === '') {
      blanks++;
      continue;
    }
    text += blanks === 0 ? ' ' : '\n'.repeat(blanks);
    text += parts[i];
    blanks = 0;
  }
  return text;
}

function readPlain(text: string, column: number): unknown {
  let end = text.indexOf(' #', column);
  if (end === -1) end = text.length;
  const source = text.slice(column, end).trimEnd();
  // `a: b` inside a value is a nested mapping or an error, and a trailing `:` makes a key.
  if (source.includes(': ') || source.endsWith(':')) decline();
  return resolvePlain(source);
}

function resolvePlain(source: string): unknown {
  if (!NON_STRING_START.test(source)) return source;
  for (const tag of CORE_TAGS) {
    if (tag.test?.test(source)) {
      const resolved = tag.resolve(source, decline, RESOLVE_OPTIONS);
      return isScalar(resolved) ? resolved.value : resolved;
    }
  }
  return source;
}

/** A double-quoted scalar that ends on its own line; returns the value and the index after the quote. */
function readDoubleQuoted(text: string, column: number): [string, number] {
  let value = '';
  let chunkStart = column + 1;
  for (let i = chunkStart; i < text.length; ) {
    const char = text[i];
    if (char === '"') return [value + text.slice(chunkStart, i), i + 1];
    if (char !== '\\') {
      i++;
      continue;
    }
    value += text.slice(chunkStart, i);
    const escape = text[i + 1];
    if (escape === 'u') {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) decline();
      value += String.fromCharCode(parseInt(hex, 16));
      i += 6;
    } else {
      const replacement = ESCAPES.get(escape);
      if (replacement === undefined) decline();
      value += replacement;
      i += 2;
    }
    chunkStart = i;
  }
  return decline();
}

/** A single-quoted scalar that ends on its own line; `''` stands for one quote. */
function readSingleQuoted(text: string, column: number): [string, number] {
  let value = '';
  let from = column + 1;
  for (;;) {
    const close = text.indexOf("'", from);
    if (close === -1) decline();
    value += text.slice(from, close);
    if (text[close + 1] !== "'") return [value, close + 1];
    value += "'";
    from = close + 2;
  }
}

/** `[]`, `{}`, or a one-line flow sequence of plain scalars such as `[search, summarize]`. */
function readFlowCollection(text: string, column: number): [unknown, number] {
  EMPTY_FLOW.lastIndex = column;
  if (EMPTY_FLOW.test(text)) return [text[column] === '[' ? [] : {}, EMPTY_FLOW.lastIndex];
  FLOW_SEQUENCE.lastIndex = column;
  const match = FLOW_SEQUENCE.exec(text);
  if (!match) decline();
  const items = match[1].split(',').map((item) => {
    const source = item.trim();
    if (source === '' || INDICATORS.has(source[0]) || (source[0] === '-' && (source.length === 1 || source[1] === ' '))) decline();
    return resolvePlain(source);
  });
  return [items, FLOW_SEQUENCE.lastIndex];
}
