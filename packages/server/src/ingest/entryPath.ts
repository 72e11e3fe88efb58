/** One step into a parsed document: a mapping key or a sequence index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/**
 * Renders the location of a node the way ingest error items show it (spec 02 §2.4):
 * `agents[3].tools[2].skillRef`. Keys that would be ambiguous after a dot are quoted: `labels["a.b"]`.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** Splits a JSON pointer (as TypeBox reports error locations) into its unescaped reference tokens. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Reads the optional path of an `EntryRejection`. Plugin authors write it naturally, so a JSON pointer
 * (`/tools/2/skillRef`), bracket notation (`tools[2].skillRef`) and dotted indexes (`tools.2.skillRef`)
 * are all accepted.
 */
export function rejectionPathSegments(path: string): string[] {
  if (path.startsWith('/')) return pointerSegments(path);
  return path.split(/\.|\[(\d+)\]/).filter((token): token is string => token !== undefined && token !== '');
}

/**
 * Turns raw tokens into segments by walking `value`: a token addressing an array element becomes a
 * number so that it renders as `[i]` and is looked up as a sequence index.
 */
export function typedSegments(value: unknown, tokens: readonly string[]): PathSegment[] {
  const segments: PathSegment[] = [];
  let current = value;
  for (const token of tokens) {
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(token)) {
      const index = Number(token);
      segments.push(index);
      current = current[index];
    } else {
      segments.push(token);
      current = current !== null && typeof current === 'object' && Object.hasOwn(current, token)
        ? (current as Record<string, unknown>)[token]
        : undefined;
    }
  }
  return segments;
}
