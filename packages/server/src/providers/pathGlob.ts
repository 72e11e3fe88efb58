/**
 * The `path` glob of git sources (02 §2.7, 04 §14.2), matched against repository-relative paths
 * with `/` separators: `**` as a whole segment = zero or more whole segments, `*` = any run of
 * characters within one segment, `?` = one character other than `/`, `[…]` = a character class
 * (`[!…]` or `[^…]` negated, ranges allowed, never matching `/`). Everything else is literal and
 * matching is case-sensitive, like the paths git stores. There is no implicit extension: `.json`
 * files match only when the glob itself matches them.
 */
export function compilePathGlob(glob: string): RegExp {
  const segments = glob.split('/');
  let source = '';
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '**') {
      // `a/**` takes everything below `a`; a middle or leading `**` may also stand for no directory at all.
      source += last ? '.*' : '(?:[^/]+/)*';
    } else {
      source += segmentSource(segment) + (last ? '' : '/');
    }
  });
  return new RegExp(`^${source}$`, 'u');
}

/** Why a glob is unusable, or `undefined`: it must be a relative path pattern that cannot climb out of the repository. */
export function pathGlobProblem(glob: string): string | undefined {
  if (glob === '' || glob.startsWith('/') || glob.split('/').some((s) => s === '' || s === '..')) {
    return 'path must be a relative glob without ".." or empty segments';
  }
  try {
    compilePathGlob(glob);
  } catch {
    // Only a reversed range such as `[z-a]` gets here.
    return `path "${glob}" contains an invalid character class`;
  }
  return undefined;
}

function segmentSource(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') {
      // `**` inside a segment (`a**b`) has no directory meaning; it is the same as `*`.
      while (segment[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = classEnd(segment, i);
      if (end < 0) {
        out += '\\[';
      } else {
        out += classSource(segment.slice(i + 1, end));
        i = end;
      }
    } else {
      out += escapeLiteral(c);
    }
  }
  return out;
}

/** Index of the `]` closing the class opened at `start`; a `]` right after `[`, `[!` or `[^` is a member, not the end. */
function classEnd(segment: string, start: number): number {
  let i = start + 1;
  if (segment[i] === '!' || segment[i] === '^') i++;
  if (segment[i] === ']') i++;
  return segment.indexOf(']', i);
}

function classSource(body: string): string {
  let negated = false;
  if (body.startsWith('!') || body.startsWith('^')) {
    negated = true;
    body = body.slice(1);
  }
  let members = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '-' && i > 0 && i < body.length - 1) {
      members += '-';
    } else {
      members += escapeClassMember(c);
    }
  }
  // A class stands for one character of one segment, so even a negated class never matches `/`.
  return negated ? `[^/${members}]` : `(?:(?!/)[${members}])`;
}

function escapeLiteral(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

function escapeClassMember(c: string): string {
  return /[\\\]^[-]/.test(c) ? `\\${c}` : c;
}
