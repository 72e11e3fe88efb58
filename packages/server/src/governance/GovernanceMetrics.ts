import { Counter, Gauge, type Registry } from 'prom-client';

/** The governance metrics of spec 06 §14, on the server's registry. Labels stay bounded. */
export function createGovernanceMetrics(registry: Registry) {
  const transitions = new Counter({
    name: 'catalog_governance_lifecycle_transitions_total', help: 'Executed lifecycle transitions.',
    labelNames: ['plugin', 'from', 'to'] as const, registers: [registry],
  });
  const requests = new Counter({
    name: 'catalog_governance_approval_requests_total', help: 'Approval requests created, by gate.',
    labelNames: ['gate'] as const, registers: [registry],
  });
  const resolutions = new Counter({
    name: 'catalog_governance_approval_resolutions_total', help: 'Approval requests resolved, by final status.',
    labelNames: ['status'] as const, registers: [registry],
  });
  const pending = new Gauge({
    name: 'catalog_governance_approvals_pending', help: 'Pending approval requests, as of the last expiry sweep.',
    labelNames: ['namespace'] as const, registers: [registry],
  });
  const versions = new Counter({
    name: 'catalog_governance_versions_created_total', help: 'Versions created.',
    labelNames: ['plugin'] as const, registers: [registry],
  });
  const bindings = new Counter({
    name: 'catalog_governance_bindings_total', help: 'Bindings changed, by environment and action.',
    labelNames: ['environment', 'action'] as const, registers: [registry],
  });
  return {
    transition: (plugin: string, from: string, to: string) => transitions.inc({ plugin, from, to }),
    requestCreated: (gate: 'lifecycle' | 'promotion') => requests.inc({ gate }),
    resolved: (status: 'approved' | 'denied' | 'canceled' | 'expired' | 'failed') => resolutions.inc({ status }),
    setPending(counts: ReadonlyMap<string, number>) {
      pending.reset();
      for (const [namespace, count] of counts) pending.set({ namespace }, count);
    },
    versionCreated: (plugin: string) => versions.inc({ plugin }),
    bound: (environment: string, action: 'bind' | 'promote' | 'rollback') => bindings.inc({ environment, action }),
  };
}

export type GovernanceMetrics = ReturnType<typeof createGovernanceMetrics>;
