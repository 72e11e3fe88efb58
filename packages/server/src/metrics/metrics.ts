import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus metrics of one server instance, on its own registry (no process-global state, so
 * several servers in one test process never share counters). Labels are bounded: route templates,
 * never raw paths, entity or user names.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: 'catalog_http_requests_total', help: 'HTTP requests by route template, method and status.',
    labelNames: ['method', 'route', 'status'] as const, registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'catalog_http_request_duration_seconds', help: 'HTTP request latency by route template and method.',
    labelNames: ['method', 'route'] as const, registers: [registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const pluginHealthy = new Gauge({
    name: 'catalog_plugin_healthy', help: '1 when the plugin is healthy.', labelNames: ['plugin'] as const, registers: [registry],
  });
  const sourceEntities = new Gauge({
    name: 'catalog_source_entities', help: 'Entities served from a source.',
    labelNames: ['namespace', 'plugin', 'source'] as const, registers: [registry],
  });
  const refreshTotal = new Counter({
    name: 'catalog_source_refresh_total', help: 'Source refreshes by result.',
    labelNames: ['plugin', 'result'] as const, registers: [registry],
  });
  const refreshDuration = new Histogram({
    name: 'catalog_source_refresh_duration_seconds', help: 'Duration of source refreshes.',
    labelNames: ['plugin'] as const, registers: [registry], buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  });
  const lastRefresh = new Gauge({
    name: 'catalog_source_last_refresh_timestamp_seconds', help: 'Time of the last refresh attempt of a source.',
    labelNames: ['namespace', 'plugin', 'source'] as const, registers: [registry],
  });
  const auditEvents = new Counter({
    name: 'catalog_audit_events_total', help: 'Audit events written, by outcome.', labelNames: ['outcome'] as const, registers: [registry],
  });
  const auditWriteFailures = new Counter({
    name: 'catalog_audit_write_failures_total', help: 'Audit events that could not be persisted (logged in full instead).', registers: [registry],
  });
  const auditUnrecordedDenials = new Counter({
    name: 'catalog_audit_unrecorded_denials_total', help: 'Denied cluster-scope reads, which have no namespace to be audited in.', registers: [registry],
  });
  const auditRetentionDeleted = new Counter({
    name: 'catalog_audit_retention_deleted_total', help: 'Audit events deleted by retention.', registers: [registry],
  });
  const auditRetentionRuns = new Counter({
    name: 'catalog_audit_retention_runs_total', help: 'Audit retention runs on this replica.', registers: [registry],
  });
  const jobMaintenanceRuns = new Counter({
    name: 'catalog_job_maintenance_runs_total', help: 'Job maintenance runs (stuck recovery, retention) on this replica.', registers: [registry],
  });
  const cacheRequests = new Counter({
    name: 'catalog_cache_requests_total', help: 'Discovery and capabilities cache lookups by result.',
    labelNames: ['cache', 'result'] as const, registers: [registry],
  });
  const jobs = new Gauge({ name: 'catalog_jobs', help: 'Refresh jobs by state (cluster-wide, as last seen by this replica).', labelNames: ['state'] as const, registers: [registry] });
  const jobDuration = new Histogram({
    name: 'catalog_job_duration_seconds', help: 'Duration of refresh job attempts that ended the job, by result.',
    labelNames: ['result'] as const, registers: [registry], buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  });
  const dbUp = new Gauge({ name: 'catalog_db_up', help: '1 while the database answers.', registers: [registry] });
  const leader = new Gauge({ name: 'catalog_leader', help: '1 while this replica leads (leader election on).', registers: [registry] });
  leader.set(0);

  return {
    registry,
    observeRequest(method: string, route: string, status: number, seconds: number) {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    },
    setPluginHealthy(plugin: string, healthy: boolean) {
      pluginHealthy.set({ plugin }, healthy ? 1 : 0);
    },
    setSourceEntities(key: { namespace: string; plugin: string; sourceId: string }, count: number) {
      sourceEntities.set({ namespace: key.namespace, plugin: key.plugin, source: key.sourceId }, count);
    },
    recordRefresh(outcome: { namespace: string; plugin: string; sourceId: string; status: 'success' | 'unchanged' | 'error'; durationNs: number }) {
      refreshTotal.inc({ plugin: outcome.plugin, result: outcome.status });
      refreshDuration.observe({ plugin: outcome.plugin }, outcome.durationNs / 1e9);
      lastRefresh.set({ namespace: outcome.namespace, plugin: outcome.plugin, source: outcome.sourceId }, Date.now() / 1000);
    },
    recordAuditEvent(outcome: string) {
      auditEvents.inc({ outcome });
    },
    recordAuditWriteFailure() {
      auditWriteFailures.inc();
    },
    recordUnrecordedDenial() {
      auditUnrecordedDenials.inc();
    },
    recordAuditRetentionRun(deleted: number) {
      auditRetentionRuns.inc();
      auditRetentionDeleted.inc(deleted);
    },
    recordJobMaintenanceRun() {
      jobMaintenanceRuns.inc();
    },
    recordCacheRequest(cache: 'discovery' | 'capabilities', hit: boolean) {
      cacheRequests.inc({ cache, result: hit ? 'hit' : 'miss' });
    },
    setJobCounts(counts: Record<string, number>) {
      for (const state of ['queued', 'running', 'succeeded', 'failed', 'canceled']) jobs.set({ state }, counts[state] ?? 0);
    },
    observeJob(result: 'succeeded' | 'failed' | 'canceled', seconds: number) {
      jobDuration.observe({ result }, seconds);
    },
    setLeader(leading: boolean) {
      leader.set(leading ? 1 : 0);
    },
    setDbUp(up: boolean) {
      dbUp.set(up ? 1 : 0);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
