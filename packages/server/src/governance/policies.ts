import type { ApprovalPolicy } from './config/loadApprovalPolicies.js';
import type { LifecycleState } from './lifecycle/states.js';

/** What a policy selector is matched against: the asset's plugin, canonical kind and plural. */
export interface PolicySubject {
  plugin: string;
  kind: string;
  plural: string;
}

/** The first enabled lifecycle policy that gates `from → to` for the asset (06 §2.3); riskLevel undefined ignores risk. */
export function lifecyclePolicyFor(
  policies: readonly ApprovalPolicy[],
  subject: PolicySubject,
  riskLevel: string | undefined,
  from: LifecycleState,
  to: LifecycleState,
): ApprovalPolicy | undefined {
  return policies.find((policy) => policy.enabled && policy.appliesTo === 'lifecycle' && selects(policy, subject, riskLevel)
    && (policy.selector.transitions.length === 0
      || policy.selector.transitions.some((t) => stateMatches(t.from, from) && stateMatches(t.to, to))));
}

/** The first enabled promotion policy that gates binding into `environment`. */
export function promotionPolicyFor(
  policies: readonly ApprovalPolicy[],
  subject: PolicySubject,
  riskLevel: string,
  environment: string,
): ApprovalPolicy | undefined {
  return policies.find((policy) => policy.enabled && policy.appliesTo === 'promotion' && selects(policy, subject, riskLevel)
    && policy.selector.environments.some((e) => e === '*' || e === environment));
}

function selects(policy: ApprovalPolicy, subject: PolicySubject, riskLevel: string | undefined): boolean {
  const { plugins, kinds, riskLevels } = policy.selector;
  if (plugins.length > 0 && !plugins.includes(subject.plugin)) return false;
  if (kinds.length > 0 && !kinds.some((k) => [subject.kind.toLowerCase(), subject.plural.toLowerCase()].includes(k.toLowerCase()))) return false;
  return riskLevel === undefined || riskLevels.length === 0 || riskLevels.includes(riskLevel);
}

function stateMatches(pattern: string, state: string): boolean {
  return pattern === '*' || pattern === '' || pattern === state;
}
