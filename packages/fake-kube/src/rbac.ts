/**
 * RBAC evaluation of the fake Kubernetes API server (spec 05 §9), following the Kubernetes RBAC
 * authorizer: bindings grant their role's rules to matching subjects, RoleBindings only in their
 * namespace, ClusterRoleBindings everywhere and at cluster scope.
 */

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

export interface ReviewAttributes {
  user: string;
  groups: string[];
  group: string;
  resource: string;
  verb: string;
  /** Absent at cluster scope. */
  namespace?: string;
}

export interface RbacObjects {
  roles(namespace: string): KubeObject[];
  clusterRoles(): KubeObject[];
  roleBindings(namespace: string): KubeObject[];
  clusterRoleBindings(): KubeObject[];
}

export function evaluateReview(objects: RbacObjects, review: ReviewAttributes): { allowed: boolean; reason: string } {
  const clusterRoles = objects.clusterRoles();
  const candidates: { binding: KubeObject; where: string }[] = objects.clusterRoleBindings().map((binding) => ({ binding, where: `ClusterRoleBinding "${binding.metadata.name}"` }));
  if (review.namespace !== undefined) {
    for (const binding of objects.roleBindings(review.namespace)) {
      candidates.push({ binding, where: `RoleBinding "${binding.metadata.name}/${review.namespace}"` });
    }
  }
  for (const { binding, where } of candidates) {
    const subject = matchingSubject(binding, review);
    if (!subject) continue;
    const roleRef = binding.roleRef as { kind?: string; name?: string } | undefined;
    if (!roleRef?.name) continue;
    let rules: PolicyRule[] = [];
    if (roleRef.kind === 'ClusterRole') {
      const role = clusterRoles.find((r) => r.metadata.name === roleRef.name);
      if (role) rules = clusterRoleRules(role, clusterRoles);
    } else if (roleRef.kind === 'Role' && binding.metadata.namespace !== undefined) {
      const role = objects.roles(binding.metadata.namespace).find((r) => r.metadata.name === roleRef.name);
      if (role) rules = (role.rules as PolicyRule[] | undefined) ?? [];
    }
    if (rules.some((rule) => ruleMatches(rule, review))) {
      return { allowed: true, reason: `RBAC: allowed by ${where} of ${roleRef.kind} "${roleRef.name}" to ${subject.kind} "${subject.name}"` };
    }
  }
  return { allowed: false, reason: '' };
}

function matchingSubject(binding: KubeObject, review: ReviewAttributes): Subject | undefined {
  const subjects = (binding.subjects as Subject[] | undefined) ?? [];
  return subjects.find((s) => {
    if (s.kind === 'User') return s.name === review.user;
    if (s.kind === 'Group') return review.groups.includes(s.name);
    if (s.kind === 'ServiceAccount') return review.user === `system:serviceaccount:${s.namespace ?? binding.metadata.namespace}:${s.name}`;
    return false;
  });
}

/** A ClusterRole's own rules, plus, with an aggregation rule, the rules of every ClusterRole its selectors match. */
function clusterRoleRules(role: KubeObject, all: KubeObject[]): PolicyRule[] {
  const aggregation = role.aggregationRule as { clusterRoleSelectors?: { matchLabels?: Record<string, string> }[] } | undefined;
  const own = (role.rules as PolicyRule[] | undefined) ?? [];
  if (!aggregation?.clusterRoleSelectors) return own;
  const selected = all.filter(
    (other) =>
      other !== role &&
      aggregation.clusterRoleSelectors!.some((selector) =>
        Object.entries(selector.matchLabels ?? {}).every(([key, value]) => other.metadata.labels?.[key] === value),
      ),
  );
  return [...own, ...selected.flatMap((other) => (other.rules as PolicyRule[] | undefined) ?? [])];
}

function ruleMatches(rule: PolicyRule, review: ReviewAttributes): boolean {
  // The server never sends resource names, so a name-restricted rule cannot apply; URL rules are not resource rules.
  if (rule.resourceNames && rule.resourceNames.length > 0) return false;
  if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0 && !rule.resources) return false;
  const has = (list: string[] | undefined, value: string) => (list ?? []).some((entry) => entry === '*' || entry === value);
  return has(rule.apiGroups, review.group) && has(rule.resources, review.resource) && has(rule.verbs, review.verb);
}
