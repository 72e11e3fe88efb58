import type { ApprovalPolicy } from './config/loadApprovalPolicies.js';
import { DEFAULT_GOVERNANCE_CONFIG, type GovernanceConfig } from './config/loadGovernanceConfig.js';
import { ALLOWED_TRANSITIONS, LIFECYCLE_STATES, type LifecycleState } from './lifecycle/states.js';
import { lifecyclePolicyFor, type PolicySubject } from './policies.js';

/**
 * The governance configuration and approval policies as the server runs with them (spec 06 §2),
 * read once at startup. Environments default to dev/stage/prod with stage and prod protected.
 */
export interface GovernanceSettings {
  defaultState: LifecycleState;
  environments: string[];
  protectedEnvironments: string[];
  /** In file order, disabled ones included. */
  policies: readonly ApprovalPolicy[];
  /** True when an enabled lifecycle policy could gate this transition for the plugin and kind (risk ignored). */
  mayRequireApproval(subject: PolicySubject, from: LifecycleState, to: LifecycleState): boolean;
}

export function createGovernanceSettings(config: GovernanceConfig, policies: readonly ApprovalPolicy[]): GovernanceSettings {
  return {
    defaultState: 'draft',
    environments: [...config.environments],
    protectedEnvironments: [...config.protectedEnvironments],
    policies,
    mayRequireApproval: (subject, from, to) => lifecyclePolicyFor(policies, subject, undefined, from, to) !== undefined,
  };
}

export const DEFAULT_GOVERNANCE_SETTINGS: GovernanceSettings = createGovernanceSettings(DEFAULT_GOVERNANCE_CONFIG, []);

/** The capabilities governance block of one kind (spec 06 §13). */
export function governanceBlock(settings: GovernanceSettings, subject: PolicySubject) {
  return {
    supported: true,
    lifecycle: {
      states: [...LIFECYCLE_STATES],
      defaultState: settings.defaultState,
      transitions: ALLOWED_TRANSITIONS.map(({ from, to }) => ({
        from,
        to,
        mayRequireApproval: settings.mayRequireApproval(subject, from, to),
      })),
    },
    versioning: {
      enabled: true,
      environments: [...settings.environments],
      protectedEnvironments: [...settings.protectedEnvironments],
    },
    approvals: { enabled: true },
    provenance: { enabled: true },
  };
}
