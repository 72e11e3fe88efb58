import { BadRequestError } from '../../errors.js';
import { RISK_LEVELS } from '../config/loadApprovalPolicies.js';

/** The stored metadata groups of a governance record (06 §5.1 without `lifecycle`), normalized. */
export type GovernanceMetadata = Record<string, Record<string, unknown>>;

export const METADATA_GROUPS = ['owner', 'team', 'sla', 'risk', 'intendedUse', 'compliance', 'audit'] as const;
export const LIFECYCLE_PATCH_MESSAGE =
  'lifecycle cannot be changed through PATCH; use the lifecycle actions (lifecycle.setState, lifecycle.deprecate, lifecycle.archive, lifecycle.restore)';

const SLA_TIERS = ['gold', 'silver', 'bronze', 'none'];
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const MAX_ARRAY = 100;
const MAX_ELEMENT = 256;

type FieldRule =
  | { type: 'string'; max: number; pattern?: { regex: RegExp; reason: string } }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'integer'; min: number; max: number }
  | { type: 'strings'; environments?: true }
  | { type: 'timestamp' };

const GROUP_RULES: Record<(typeof METADATA_GROUPS)[number], Record<string, FieldRule>> = {
  owner: {
    principal: { type: 'string', max: 256 },
    displayName: { type: 'string', max: 256 },
    email: { type: 'string', max: 256, pattern: { regex: EMAIL, reason: 'must be an email address' } },
  },
  team: { name: { type: 'string', max: 256 }, id: { type: 'string', max: 256 } },
  sla: { tier: { type: 'enum', values: SLA_TIERS }, responseHours: { type: 'integer', min: 0, max: 8760 } },
  risk: { level: { type: 'enum', values: RISK_LEVELS }, categories: { type: 'strings' } },
  intendedUse: { summary: { type: 'string', max: 4096 }, environments: { type: 'strings', environments: true }, restrictions: { type: 'strings' } },
  compliance: { tags: { type: 'strings' }, controls: { type: 'strings' } },
  audit: { lastReviewedAt: { type: 'timestamp' }, reviewCadenceDays: { type: 'integer', min: 0, max: 3650 } },
};

const DEFAULT_RISK = { level: 'medium', categories: [] as string[] };

/**
 * Validates a PATCH body (06 §5.3) and returns the groups it sets (`null` = clear). Any problem
 * rejects the whole body before anything is written.
 */
export function parseMetadataPatch(body: Record<string, unknown>, environments: readonly string[]): Record<string, Record<string, unknown> | null> {
  if ('lifecycle' in body) throw new BadRequestError(LIFECYCLE_PATCH_MESSAGE);
  const changes: Record<string, Record<string, unknown> | null> = {};
  for (const [group, value] of Object.entries(body)) {
    const rules = GROUP_RULES[group as keyof typeof GROUP_RULES];
    if (!rules) throw new BadRequestError(`unknown governance field "${group}"`);
    if (value === null) {
      changes[group] = null;
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value)) throw invalid(group, 'must be an object or null');
    const normalized: Record<string, unknown> = {};
    for (const [key, fieldValue] of Object.entries(value as Record<string, unknown>)) {
      const rule = rules[key];
      if (!rule) throw new BadRequestError(`unknown governance field "${group}.${key}"`);
      const parsed = parseField(`${group}.${key}`, rule, fieldValue, environments);
      if (parsed !== undefined) normalized[key] = parsed;
    }
    changes[group] = normalized;
  }
  return changes;
}

function parseField(path: string, rule: FieldRule, value: unknown, environments: readonly string[]): unknown {
  if (value === null || value === undefined) return undefined;
  switch (rule.type) {
    case 'string': {
      if (typeof value !== 'string') throw invalid(path, 'must be a string');
      if (value.length > rule.max) throw invalid(path, `must be at most ${rule.max} characters`);
      if (value !== '' && rule.pattern && !rule.pattern.regex.test(value)) throw invalid(path, rule.pattern.reason);
      return value === '' ? undefined : value;
    }
    case 'enum':
      if (typeof value !== 'string' || !rule.values.includes(value)) throw invalid(path, `must be one of ${rule.values.join(', ')}`);
      return value;
    case 'integer':
      if (!Number.isInteger(value) || (value as number) < rule.min || (value as number) > rule.max) {
        throw invalid(path, `must be an integer from ${rule.min} to ${rule.max}`);
      }
      return value === 0 ? undefined : value;
    case 'timestamp': {
      if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value))) throw invalid(path, 'must be an RFC 3339 timestamp');
      return new Date(value).toISOString();
    }
    case 'strings': {
      if (!Array.isArray(value)) throw invalid(path, 'must be an array of strings');
      if (value.length > MAX_ARRAY) throw invalid(path, `must have at most ${MAX_ARRAY} elements`);
      value.forEach((item, i) => {
        if (typeof item !== 'string' || item.length === 0 || item.length > MAX_ELEMENT) throw invalid(`${path}[${i}]`, `must be a string of 1-${MAX_ELEMENT} characters`);
        if (rule.environments && !environments.includes(item)) {
          throw invalid(`${path}[${i}]`, `unknown environment "${item}" (configured: ${environments.join(', ')})`);
        }
      });
      return [...new Set(value as string[])];
    }
  }
}

function invalid(path: string, reason: string): BadRequestError {
  return new BadRequestError(`invalid governance field ${path}: ${reason}`);
}

/** Applies parsed changes: a present group replaces the stored one, `null` clears it. */
export function applyMetadataPatch(current: GovernanceMetadata, changes: Record<string, Record<string, unknown> | null>): GovernanceMetadata {
  const next: GovernanceMetadata = { ...current };
  for (const [group, value] of Object.entries(changes)) {
    if (value === null || (group !== 'risk' && Object.keys(value).length === 0)) delete next[group];
    else next[group] = value;
  }
  return next;
}

/**
 * The served groups (06 §5.1 presence rules): `risk` always (default `medium`), others only when a
 * field is set; arrays inside a present group are always there.
 */
export function presentMetadata(stored: GovernanceMetadata): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const group of METADATA_GROUPS) {
    const value = stored[group];
    if (group === 'risk') {
      out.risk = { level: (value?.level as string | undefined) ?? DEFAULT_RISK.level, categories: (value?.categories as string[] | undefined) ?? [] };
      continue;
    }
    if (!value || Object.keys(value).length === 0) continue;
    const withArrays: Record<string, unknown> = { ...value };
    for (const [key, rule] of Object.entries(GROUP_RULES[group])) {
      if (rule.type === 'strings' && withArrays[key] === undefined) withArrays[key] = [];
    }
    out[group] = withArrays;
  }
  return out;
}

/** The groups of `stored` named in `groups`, as served, for audit old/new values. */
export function pickGroups(stored: GovernanceMetadata, groups: readonly string[]): Record<string, unknown> {
  const present = presentMetadata(stored);
  return Object.fromEntries(groups.map((group) => [group, present[group] ?? null]));
}
