import {
  ApiException,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  Observable,
  type KubeConfig,
  type ObservableMiddleware,
  type V1ConfigMap,
  type V1Lease,
  type V1Secret,
} from '@kubernetes/client-node';
import { ReusedConnections } from './ReusedConnections.js';

/** A failed Kubernetes API call: `status` is the HTTP status, `0` for transport errors and timeouts. */
export class KubeApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'KubeApiError';
  }

  get isConflict(): boolean {
    return this.status === 409;
  }
}

export interface AccessReviewSpec {
  user: string;
  groups: string[];
  resourceAttributes: { group: string; resource: string; verb: string; namespace?: string };
}

export interface ReviewedUser {
  username: string;
  groups: string[];
}

/**
 * The server's typed view of the Kubernetes API (SubjectAccessReview, TokenReview, Lease, ConfigMap,
 * Secret). Reads of missing objects return null; every other failure is a KubeApiError.
 */
export class KubeClient {
  private readonly authorization: AuthorizationV1Api;
  private readonly authentication: AuthenticationV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly core: CoreV1Api;
  private readonly connections = new ReusedConnections();

  constructor(config: KubeConfig) {
    this.authorization = config.makeApiClient(AuthorizationV1Api);
    this.authentication = config.makeApiClient(AuthenticationV1Api);
    this.coordination = config.makeApiClient(CoordinationV1Api);
    this.core = config.makeApiClient(CoreV1Api);
  }

  /** Ends the pooled connections to the API server. */
  close(): void {
    this.connections.close();
  }

  /** `status.allowed` of one SubjectAccessReview; a missing status is a malformed answer. */
  async subjectAccessReview(spec: AccessReviewSpec, timeoutMs: number): Promise<boolean> {
    const review = await this.call(
      (options) => this.authorization.createSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec } }, options),
      timeoutMs,
    );
    if (!review.status || typeof review.status.allowed !== 'boolean') throw new KubeApiError(0, 'malformed SubjectAccessReview answer');
    return review.status.allowed;
  }

  /** The user of an authenticated token, or null when the API server does not authenticate it. */
  async tokenReview(token: string, timeoutMs: number): Promise<ReviewedUser | null> {
    const review = await this.call(
      (options) => this.authentication.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } }, options),
      timeoutMs,
    );
    if (!review.status?.authenticated || !review.status.user?.username) return null;
    return { username: review.status.user.username, groups: review.status.user.groups ?? [] };
  }

  readLease(namespace: string, name: string, timeoutMs: number): Promise<V1Lease | null> {
    return orNull(this.call((options) => this.coordination.readNamespacedLease({ namespace, name }, options), timeoutMs));
  }

  createLease(namespace: string, body: V1Lease, timeoutMs: number): Promise<V1Lease> {
    return this.call((options) => this.coordination.createNamespacedLease({ namespace, body }, options), timeoutMs);
  }

  /** Replaces the Lease; `body.metadata.resourceVersion` makes it conditional (409 when another writer won). */
  replaceLease(namespace: string, body: V1Lease, timeoutMs: number): Promise<V1Lease> {
    return this.call((options) => this.coordination.replaceNamespacedLease({ namespace, name: body.metadata!.name!, body }, options), timeoutMs);
  }

  readConfigMap(namespace: string, name: string, timeoutMs: number): Promise<V1ConfigMap | null> {
    return orNull(this.call((options) => this.core.readNamespacedConfigMap({ namespace, name }, options), timeoutMs));
  }

  listConfigMaps(namespace: string, timeoutMs: number): Promise<V1ConfigMap[]> {
    return this.call((options) => this.core.listNamespacedConfigMap({ namespace }, options), timeoutMs).then((list) => list.items);
  }

  createConfigMap(namespace: string, body: V1ConfigMap, timeoutMs: number): Promise<V1ConfigMap> {
    return this.call((options) => this.core.createNamespacedConfigMap({ namespace, body }, options), timeoutMs);
  }

  /**
   * Replaces the ConfigMap; `body.metadata.resourceVersion` makes it conditional (409 when another
   * writer won). `dryRun` asks the API server to authorize and validate the update without storing it.
   */
  replaceConfigMap(namespace: string, body: V1ConfigMap, timeoutMs: number, options: { dryRun?: boolean } = {}): Promise<V1ConfigMap> {
    return this.call(
      (callOptions) => this.core.replaceNamespacedConfigMap({ namespace, name: body.metadata!.name!, body, ...(options.dryRun ? { dryRun: 'All' } : {}) }, callOptions),
      timeoutMs,
    );
  }

  readSecret(namespace: string, name: string, timeoutMs: number): Promise<V1Secret | null> {
    return orNull(this.call((options) => this.core.readNamespacedSecret({ namespace, name }, options), timeoutMs));
  }

  listSecrets(namespace: string, timeoutMs: number): Promise<V1Secret[]> {
    return this.call((options) => this.core.listNamespacedSecret({ namespace }, options), timeoutMs).then((list) => list.items);
  }

  createSecret(namespace: string, body: V1Secret, timeoutMs: number): Promise<V1Secret> {
    return this.call((options) => this.core.createNamespacedSecret({ namespace, body }, options), timeoutMs);
  }

  replaceSecret(namespace: string, body: V1Secret, timeoutMs: number): Promise<V1Secret> {
    return this.call((options) => this.core.replaceNamespacedSecret({ namespace, name: body.metadata!.name!, body }, options), timeoutMs);
  }

  /** Runs one API call on a pooled connection with an abort deadline and maps every failure to a KubeApiError. */
  private async call<T>(run: (options: CallOptions) => Promise<T>, timeoutMs: number): Promise<T> {
    const signal = AbortSignal.timeout(timeoutMs);
    const abortOnDeadline: ObservableMiddleware = {
      pre: (context) => {
        context.setSignal(signal);
        return new Observable(Promise.resolve(context));
      },
      post: (context) => new Observable(Promise.resolve(context)),
    };
    const options: CallOptions = { middleware: [this.connections.middleware, abortOnDeadline], middlewareMergeStrategy: 'append' };
    try {
      return await run(options);
    } catch (error) {
      if (error instanceof ApiException) {
        const body = error.body as { message?: string } | string | undefined;
        const detail = typeof body === 'object' && body?.message ? body.message : `HTTP ${error.code}`;
        throw new KubeApiError(error.code, `Kubernetes API answered ${error.code}: ${detail}`);
      }
      if (signal.aborted) throw new KubeApiError(0, `Kubernetes API did not answer within ${timeoutMs} ms`);
      throw new KubeApiError(0, `Kubernetes API unreachable: ${(error as Error).message}`);
    }
  }
}

type CallOptions = Parameters<AuthorizationV1Api['createSubjectAccessReview']>[1];

async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return null;
    throw error;
  }
}
