/**
 * Include/exclude name globs of sources (spec 02 §2.5, 04 §6): patterns are trimmed, `*` matches any
 * run of characters including `/`, every other character is literal, matching is case-insensitive
 * and anchored at both ends, and an exclude match wins over an include match.
 */

export interface PatternProblem {
  severity: 'error' | 'warning';
  /** Validation field path, e.g. `includedItems[0]`. */
  field: string;
  message: string;
}

/** The validation findings of 04 §6 for a source's pattern lists (messages are exact). */
export function validatePatterns(includedItems: readonly string[], excludedItems: readonly string[]): PatternProblem[] {
  const problems: PatternProblem[] = [];
  for (const [list, patterns] of [['includedItems', includedItems], ['excludedItems', excludedItems]] as const) {
    patterns.forEach((pattern, index) => {
      if (pattern.trim() === '') problems.push({ severity: 'error', field: `${list}[${index}]`, message: `${list}[${index}] must not be empty` });
    });
  }
  // Matching ignores case, so patterns differing only in case select the same names.
  const included = new Set(includedItems.map(normalizePattern).filter((pattern) => pattern !== ''));
  excludedItems.forEach((pattern, index) => {
    if (included.has(normalizePattern(pattern))) {
      problems.push({
        severity: 'warning',
        field: `excludedItems[${index}]`,
        message: `pattern "${pattern.trim()}" is both included and excluded; exclude wins`,
      });
    }
  });
  return problems;
}

/** Decides whether an entity name is kept by a source's include and exclude lists. */
export type NameFilter = (name: string) => boolean;

export function compileNameFilter(includedItems: readonly string[], excludedItems: readonly string[]): NameFilter {
  const include = compileAll(includedItems);
  const exclude = compileAll(excludedItems);
  if (include.length === 0 && exclude.length === 0) return () => true;
  return (name) => {
    const subject = name.toLowerCase();
    if (include.length > 0 && !include.some((glob) => glob(subject))) return false;
    return !exclude.some((glob) => glob(subject));
  };
}

function normalizePattern(pattern: string): string {
  return pattern.trim().toLowerCase();
}

type LowerCaseGlob = (lowerCaseName: string) => boolean;

function compileAll(patterns: readonly string[]): LowerCaseGlob[] {
  return patterns.map((pattern) => compileGlob(normalizePattern(pattern)));
}

/**
 * Matches without regular expressions: a star-only glob is a prefix, a suffix and literal middle parts
 * that must occur in order, and taking each part's leftmost occurrence is optimal. This stays linear
 * where a regex such as `^.*a.*a.*a.*b$` backtracks exponentially on hostile patterns.
 */
function compileGlob(pattern: string): LowerCaseGlob {
  const parts = pattern.split('*');
  if (parts.length === 1) return (name) => name === pattern;
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middle = parts.slice(1, -1).filter((part) => part !== '');
  return (name) => {
    if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
    const end = name.length - last.length;
    let position = first.length;
    for (const part of middle) {
      const at = name.indexOf(part, position);
      if (at === -1 || at + part.length > end) return false;
      position = at + part.length;
    }
    return true;
  };
}
