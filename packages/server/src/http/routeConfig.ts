import type { Identity } from '../authz/identity.js';

/** The eight resources and seven verbs of `catalog.kubeflow.org` (spec 05 §3.1). */
export const RESOURCES = ['plugins', 'capabilities', 'catalogsources', 'assets', 'actions', 'jobs', 'approvals', 'audit'] as const;
export const VERBS = ['get', 'list', 'create', 'update', 'delete', 'execute', 'approve'] as const;
export type Resource = (typeof RESOURCES)[number];
export type Verb = (typeof VERBS)[number];

/**
 * What every route declares (spec 05 §3.6): a (resource, verb) pair checked by the authorizer,
 * `public` (health, metrics, OpenAPI, UI) or `identity` (no check; the handler applies its own rule).
 */
export type RouteAuthz = { resource: Resource; verb: Verb } | 'public' | 'identity';

/**
 * The audit event defaults of a state-changing route (spec 05 §3.7 "Audit action", §4.4). `action`
 * may name a path parameter (`:action`) whose value is the action. `actionVerb` defaults to
 * `action`, `eventType` to `management`.
 */
export interface RouteAudit {
  action: string;
  actionVerb?: string;
  eventType?: string;
}

/**
 * Namespace handling of a route in namespace mode (spec 05 §1.4). `reported` (whoami): optional and
 * validated, but the allow-list is not applied, since the route only reports what was asked.
 */
export type NamespacePolicy = 'exempt' | 'optional' | 'reported' | 'required';

declare module 'fastify' {
  interface FastifyContextConfig {
    authz?: RouteAuthz;
    /** Default `required`. */
    namespace?: NamespacePolicy;
    /**
     * Required on POST, PUT, PATCH and DELETE routes (the build fails without it): the defaults of the
     * request's one audit event, or `false` for the self access review, which is never audited.
     */
    audit?: RouteAudit | false;
    /** Answer while the server is still starting (health, metrics, OpenAPI). */
    servesDuringStartup?: boolean;
  }
  interface FastifyRequest {
    /** The request namespace; `null` only on namespace-exempt routes and cluster-scope reads. */
    namespace: string | null;
    identity: Identity;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The plugin whose base path the route lives under: its routes answer 503 while it has failed. */
    plugin?: string;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Error bodies also carry the legacy `code` reason phrase (`Not Found`, …): the model catalog's
     * Kubeflow-compatible routes (spec 03 §2).
     */
    legacyErrorCode?: boolean;
  }
}
