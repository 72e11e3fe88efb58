/**
 * LIKE patterns (spec 01 §10.7.5): `%` any run, `_` one character, `\` escapes the next character.
 * PostgreSQL rejects a pattern that ends in a lone escape character, so such a backslash is made
 * literal here, before the pattern reaches the database.
 */
export function normalizeLikePattern(pattern: string): string {
  let normalized = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char !== '\\') {
      normalized += char;
    } else if (i + 1 < pattern.length) {
      normalized += char + pattern[i + 1];
      i++;
    } else {
      normalized += '\\\\';
    }
  }
  return normalized;
}

/** A pattern that matches `text` literally, as a substring when wrapped in `%…%`. */
export function escapeLikeText(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** The JavaScript equivalent of a normalized pattern, matching whole values by code point. */
export function likePatternToRegExp(pattern: string): RegExp {
  let source = '';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    if (char === '\\') source += escapeRegExp(chars[++i]);
    else if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 'su');
}

function escapeRegExp(char: string): string {
  return /[\\^$.*+?()[\]{}|]/.test(char) ? `\\${char}` : char;
}
