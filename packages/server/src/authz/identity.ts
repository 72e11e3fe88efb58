import type { IncomingHttpHeaders } from 'node:http';
import { BadRequestError } from '../errors.js';

export type Role = 'viewer' | 'operator';

/** `request.identity` (spec 05 §2.1): the audit actor, the job requester and the subject of every authorization check. */
export interface Identity {
  /** `anonymous` when nothing identifies the caller. */
  user: string;
  /** Order of first appearance, duplicates removed, at most MAX_GROUPS. */
  groups: string[];
  authenticated: boolean;
  source: 'proxy-headers' | 'bearer' | 'anonymous';
  /** Only in `role` mode (05 §3.3). */
  role?: Role;
}

export interface IdentitySettings {
  trustProxyHeaders: boolean;
  userHeader: string;
  groupsHeader: string;
  userPrefix: string;
}

export const MAX_GROUPS = 1000;

export const ANONYMOUS: Identity = Object.freeze({ user: 'anonymous', groups: Object.freeze([]) as unknown as string[], authenticated: false, source: 'anonymous' }) as Identity;

/**
 * Identity from the auth proxy's headers (spec 05 §2.2 rules 1–2): the user header, then
 * `X-User-Principal`, each with the configured prefix stripped; groups only together with a user.
 * Returns null when the headers identify nobody (or are not trusted).
 */
export function identityFromHeaders(headers: IncomingHttpHeaders, settings: IdentitySettings): Identity | null {
  if (!settings.trustProxyHeaders) return null;
  const user = stripPrefix(firstValue(headers, settings.userHeader)?.trim(), settings.userPrefix) || stripPrefix(firstValue(headers, 'x-user-principal')?.trim(), settings.userPrefix);
  if (!user) return null;
  return { user, groups: uniqueGroups(headerValues(headers, settings.groupsHeader)), authenticated: true, source: 'proxy-headers' };
}

/** Trimmed, empty entries dropped, duplicates removed keeping the first; more than MAX_GROUPS is a 400. */
export function uniqueGroups(values: readonly string[]): string[] {
  const groups = [...new Set(values.map((v) => v.trim()).filter(Boolean))];
  if (groups.length > MAX_GROUPS) throw new BadRequestError(`too many groups (maximum ${MAX_GROUPS})`);
  return groups;
}

export function firstValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function stripPrefix(value: string | undefined, prefix: string): string | undefined {
  if (value && prefix && value.startsWith(prefix)) return value.slice(prefix.length).trim();
  return value;
}

/** Every occurrence of the header, concatenated in order, split at commas. */
function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(','));
}
