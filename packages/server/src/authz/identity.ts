import type { IncomingHttpHeaders } from 'node:http';

export interface Identity {
  /** `anonymous` when nothing identifies the caller. */
  user: string;
  groups: string[];
  authenticated: boolean;
  /** Where the user came from: `header` (auth proxy), `principal` (X-User-Principal) or `none`. */
  source: 'header' | 'principal' | 'none';
}

export interface IdentitySettings {
  trustProxyHeaders: boolean;
  userHeader: string;
  groupsHeader: string;
  userPrefix: string;
}

export const ANONYMOUS: Identity = Object.freeze({ user: 'anonymous', groups: [], authenticated: false, source: 'none' }) as Identity;

/**
 * Identity from the auth proxy's headers (spec 05 §2.2–2.3): the user header (prefix stripped), then
 * `X-User-Principal`; groups comma-separated, trimmed, de-duplicated. Untrusted headers are ignored.
 */
export function identityFromHeaders(headers: IncomingHttpHeaders, settings: IdentitySettings): Identity {
  if (!settings.trustProxyHeaders) return ANONYMOUS;
  const groups = uniqueList(headerValues(headers, settings.groupsHeader));
  let user = firstValue(headers, settings.userHeader)?.trim();
  if (user && settings.userPrefix && user.startsWith(settings.userPrefix)) user = user.slice(settings.userPrefix.length);
  if (user) return { user, groups, authenticated: true, source: 'header' };
  const principal = firstValue(headers, 'x-user-principal')?.trim();
  if (principal) return { user: principal, groups, authenticated: true, source: 'principal' };
  return { ...ANONYMOUS, groups };
}

function firstValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(','));
}

function uniqueList(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter(Boolean))];
}
