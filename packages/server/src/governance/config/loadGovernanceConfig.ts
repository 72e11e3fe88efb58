import { StartupError } from '../../errors.js';
import { isPlainObject, readYamlFile, rejectUnknownKeys } from './readYamlFile.js';

/** `governance.yaml` (spec 06 §2.2). */
export interface GovernanceConfig {
  environments: string[];
  protectedEnvironments: string[];
  /** Stored, not interpreted (reserved). */
  trustedSources: string[];
  /** `auditRetention.days`; used by audit retention only when CATALOG_AUDIT_RETENTION_DAYS is unset (05 §4.9). */
  auditRetentionDays: number | null;
}

const ENVIRONMENT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DEFAULT_ENVIRONMENTS = ['dev', 'stage', 'prod'];

export const DEFAULT_GOVERNANCE_CONFIG: GovernanceConfig = {
  environments: DEFAULT_ENVIRONMENTS,
  protectedEnvironments: DEFAULT_ENVIRONMENTS.slice(1),
  trustedSources: [],
  auditRetentionDays: null,
};

/** Reads and validates the file; a missing file means the defaults, anything invalid is fatal. */
export async function loadGovernanceConfig(path: string): Promise<GovernanceConfig> {
  const file = await readYamlFile(path);
  if (!file || file.value === null || file.value === undefined) return DEFAULT_GOVERNANCE_CONFIG;
  const { value, locate } = file;
  const fail = (at: (string | number)[], message: string): never => {
    throw new StartupError(`${locate(at)}: ${message}`);
  };
  if (!isPlainObject(value)) return fail([], 'the governance configuration must be a mapping');
  rejectUnknownKeys(value, ['environments', 'protectedEnvironments', 'trustedSources', 'auditRetention'], [], locate, '');

  const environments = value.environments === undefined ? DEFAULT_ENVIRONMENTS : stringList(value.environments, ['environments'], fail);
  if (environments.length === 0) fail(['environments'], 'environments must not be empty');
  environments.forEach((name, i) => {
    if (!ENVIRONMENT_NAME.test(name)) fail(['environments', i], `environment "${name}" is not a DNS label`);
    if (environments.indexOf(name) !== i) fail(['environments', i], `environment "${name}" is listed twice`);
  });

  const protectedEnvironments = value.protectedEnvironments === undefined
    ? environments.slice(1)
    : stringList(value.protectedEnvironments, ['protectedEnvironments'], fail);
  protectedEnvironments.forEach((name, i) => {
    if (!environments.includes(name)) fail(['protectedEnvironments', i], `protected environment "${name}" is not one of the environments (${environments.join(', ')})`);
  });

  const trustedSources = value.trustedSources === undefined || value.trustedSources === null ? [] : stringList(value.trustedSources, ['trustedSources'], fail);

  let auditRetentionDays: number | null = null;
  if (value.auditRetention !== undefined && value.auditRetention !== null) {
    if (!isPlainObject(value.auditRetention)) fail(['auditRetention'], 'auditRetention must be a mapping');
    const retention = value.auditRetention as Record<string, unknown>;
    rejectUnknownKeys(retention, ['days'], ['auditRetention'], locate, 'auditRetention.');
    if (retention.days !== undefined) {
      if (!Number.isInteger(retention.days) || (retention.days as number) < 1) fail(['auditRetention', 'days'], 'auditRetention.days must be an integer >= 1');
      auditRetentionDays = retention.days as number;
    }
  }
  return { environments, protectedEnvironments: environments.filter((e) => protectedEnvironments.includes(e)), trustedSources, auditRetentionDays };
}

function stringList(value: unknown, at: string[], fail: (at: (string | number)[], message: string) => never): string[] {
  if (!Array.isArray(value)) return fail(at, `${at.join('.')} must be a list of strings`);
  return value.map((item, i) => (typeof item === 'string' ? item : fail([...at, i], `${at.join('.')}[${i}] must be a string`)));
}
