import { ALLOWED_TRANSITIONS, LIFECYCLE_STATES, type LifecycleState } from './lifecycle.js';

/**
 * What the capabilities governance block needs from the governance configuration and the approval
 * policies (spec 06 §13). Environments default to dev/stage/prod with stage and prod protected.
 */
export interface GovernanceSettings {
  defaultState: LifecycleState;
  environments: string[];
  protectedEnvironments: string[];
  /** True when an enabled lifecycle policy could gate this transition for the plugin and kind. */
  mayRequireApproval(plugin: string, kind: string, from: LifecycleState, to: LifecycleState): boolean;
}

export const DEFAULT_GOVERNANCE_SETTINGS: GovernanceSettings = {
  defaultState: 'draft',
  environments: ['dev', 'stage', 'prod'],
  protectedEnvironments: ['stage', 'prod'],
  mayRequireApproval: () => false,
};

export function governanceBlock(settings: GovernanceSettings, plugin: string, kind: string) {
  return {
    supported: true,
    lifecycle: {
      states: [...LIFECYCLE_STATES],
      defaultState: settings.defaultState,
      transitions: ALLOWED_TRANSITIONS.map(({ from, to }) => ({
        from,
        to,
        mayRequireApproval: settings.mayRequireApproval(plugin, kind, from, to),
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
