import { StartupError } from '../../errors.js';
import { LIFECYCLE_STATES } from '../lifecycle/states.js';
import { isPlainObject, readYamlFile, rejectUnknownKeys, type Locate } from './readYamlFile.js';

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;

/** One approval policy with its defaults filled in (spec 06 §2.3). */
export interface ApprovalPolicy {
  id: string;
  displayName: string;
  description?: string;
  enabled: boolean;
  selector: {
    plugins: string[];
    kinds: string[];
    riskLevels: string[];
    /** `*` and `""` are wildcards. */
    transitions: { from: string; to: string }[];
    environments: string[];
  };
  gate: { requiredCount: number; allowedRoles: string[]; denyOnFirst: boolean };
  expiryHours: number;
  /** A policy with environments gates bindings; any other gates lifecycle transitions. */
  appliesTo: 'lifecycle' | 'promotion';
}

const POLICY_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const POLICY_KEYS = ['id', 'displayName', 'description', 'enabled', 'selector', 'gate', 'expiryHours'];
const SELECTOR_KEYS = ['plugins', 'kinds', 'riskLevels', 'transitions', 'environments'];
const GATE_KEYS = ['requiredCount', 'allowedRoles', 'denyOnFirst'];
const TRANSITION_STATES = new Set<string>([...LIFECYCLE_STATES, '*', '']);

/**
 * Reads the approval policy file. A missing file means no policies; anything invalid (syntax, an
 * unknown key, an unknown risk level or environment) is fatal so no gate silently disappears.
 */
export async function loadApprovalPolicies(path: string, environments: readonly string[]): Promise<ApprovalPolicy[]> {
  const file = await readYamlFile(path);
  if (!file || file.value === null || file.value === undefined) return [];
  const { value, locate } = file;
  const fail = (at: (string | number)[], message: string): never => {
    throw new StartupError(`${locate(at)}: ${message}`);
  };
  if (!isPlainObject(value)) return fail([], 'the approval policy file must be a mapping with a "policies" list');
  rejectUnknownKeys(value, ['policies'], [], locate, '');
  if (value.policies === undefined || value.policies === null) return [];
  if (!Array.isArray(value.policies)) return fail(['policies'], 'policies must be a list');
  const policies = value.policies.map((item, i) => parsePolicy(item, ['policies', i], environments, locate, fail));
  policies.forEach((policy, i) => {
    if (policies.findIndex((p) => p.id === policy.id) !== i) fail(['policies', i, 'id'], `policy id "${policy.id}" is used twice`);
  });
  return policies;
}

type Fail = (at: (string | number)[], message: string) => never;

function parsePolicy(item: unknown, at: (string | number)[], environments: readonly string[], locate: Locate, fail: Fail): ApprovalPolicy {
  if (!isPlainObject(item)) return fail(at, 'a policy must be a mapping');
  rejectUnknownKeys(item, POLICY_KEYS, at, locate, '');
  if (typeof item.id !== 'string' || !POLICY_ID.test(item.id)) fail([...at, 'id'], 'policy id is required and must match ^[a-z0-9][a-z0-9._-]{0,62}$');
  const id = item.id as string;
  const displayName = optionalString(item.displayName, [...at, 'displayName'], fail) ?? id;
  const description = optionalString(item.description, [...at, 'description'], fail);
  if (item.enabled !== undefined && typeof item.enabled !== 'boolean') fail([...at, 'enabled'], 'enabled must be a boolean');

  const selectorValue = item.selector ?? {};
  if (!isPlainObject(selectorValue)) return fail([...at, 'selector'], 'selector must be a mapping');
  rejectUnknownKeys(selectorValue, SELECTOR_KEYS, [...at, 'selector'], locate, 'selector.');
  const list = (key: string) => stringList(selectorValue[key], [...at, 'selector', key], fail);
  const riskLevels = list('riskLevels');
  riskLevels.forEach((level, i) => {
    if (!(RISK_LEVELS as readonly string[]).includes(level)) fail([...at, 'selector', 'riskLevels', i], `unknown risk level "${level}" (one of ${RISK_LEVELS.join(', ')})`);
  });
  const policyEnvironments = list('environments');
  policyEnvironments.forEach((name, i) => {
    if (name !== '*' && !environments.includes(name)) {
      fail([...at, 'selector', 'environments', i], `unknown environment "${name}" (configured: ${environments.join(', ')})`);
    }
  });
  const transitionsValue = selectorValue.transitions ?? [];
  if (!Array.isArray(transitionsValue)) return fail([...at, 'selector', 'transitions'], 'transitions must be a list');
  const transitions = transitionsValue.map((transition, i) => {
    const where = [...at, 'selector', 'transitions', i];
    if (!isPlainObject(transition)) return fail(where, 'a transition must be a mapping with from and to');
    rejectUnknownKeys(transition, ['from', 'to'], where, locate, 'transition.');
    const from = transition.from ?? '';
    const to = transition.to ?? '';
    for (const [key, state] of [['from', from], ['to', to]] as const) {
      if (typeof state !== 'string' || !TRANSITION_STATES.has(state)) {
        fail([...where, key], `transition ${key} must be a lifecycle state (${LIFECYCLE_STATES.join(', ')}), "*" or ""`);
      }
    }
    return { from: from as string, to: to as string };
  });
  if (transitions.length > 0 && policyEnvironments.length > 0) fail([...at, 'selector'], 'a policy cannot select both transitions and environments');

  const gateValue = item.gate ?? {};
  if (!isPlainObject(gateValue)) return fail([...at, 'gate'], 'gate must be a mapping');
  rejectUnknownKeys(gateValue, GATE_KEYS, [...at, 'gate'], locate, 'gate.');
  const requiredCount = gateValue.requiredCount ?? 1;
  if (!Number.isInteger(requiredCount) || (requiredCount as number) < 1 || (requiredCount as number) > 20) {
    fail([...at, 'gate', 'requiredCount'], 'gate.requiredCount must be an integer from 1 to 20');
  }
  if (gateValue.denyOnFirst !== undefined && typeof gateValue.denyOnFirst !== 'boolean') fail([...at, 'gate', 'denyOnFirst'], 'gate.denyOnFirst must be a boolean');
  const expiryHours = item.expiryHours ?? 0;
  if (!Number.isInteger(expiryHours) || (expiryHours as number) < 0) fail([...at, 'expiryHours'], 'expiryHours must be an integer >= 0');

  return {
    id,
    displayName,
    ...(description ? { description } : {}),
    enabled: item.enabled === true,
    selector: { plugins: list('plugins'), kinds: list('kinds'), riskLevels, transitions, environments: policyEnvironments },
    gate: {
      requiredCount: requiredCount as number,
      allowedRoles: stringList(gateValue.allowedRoles, [...at, 'gate', 'allowedRoles'], fail),
      denyOnFirst: gateValue.denyOnFirst === true,
    },
    expiryHours: expiryHours as number,
    appliesTo: policyEnvironments.length > 0 ? 'promotion' : 'lifecycle',
  };
}

function optionalString(value: unknown, at: (string | number)[], fail: Fail): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : fail(at, `${String(at.at(-1))} must be a string`);
}

function stringList(value: unknown, at: (string | number)[], fail: Fail): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fail(at, `${String(at.at(-1))} must be a list of strings`);
  return value.map((item, i) => (typeof item === 'string' ? item : fail([...at, i], 'must be a string')));
}
