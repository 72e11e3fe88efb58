import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { evaluateReview, type KubeObject } from './rbac.js';

/** A fault injected into matching requests (spec 05 §9): answer `status`, wait `delayMs`, or drop the connection. */
export interface Fault {
  method?: string;
  pathPrefix?: string;
  status?: number;
  delayMs?: number;
  dropConnection?: boolean;
  /** How many matching requests it affects; unlimited when absent. */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface FakeKubeOptions {
  /** Multi-document RBAC YAML loaded at start. */
  rbac?: string;
  /** TokenReview answers: token → user. */
  tokens?: Record<string, { username: string; groups?: string[] }>;
  /** Default 0: a free port. */
  port?: number;
  /**
   * Serve HTTPS with the committed test certificates (`fixtures/tls/`); the kubeconfig then carries
   * the test CA as `certificate-authority-data` instead of `insecure-skip-tls-verify`.
   */
  tls?: boolean;
}

export interface FakeKube {
  readonly url: string;
  readonly kubeconfigPath: string;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Connections accepted so far: with keep-alive, fewer than requests. */
  readonly connectionCount: number;
  /** Closes the connections that carry no request now, as a server's idle timeout does. */
  closeIdleConnections(): void;
  applyManifests(yaml: string): void;
  deleteObject(kind: string, namespace: string | null, name: string): void;
  setFault(fault: Fault | null): void;
  /** The stored object, as a client would read it. */
  get(kind: StoredKind, namespace: string | null, name: string): KubeObject | undefined;
  close(): Promise<void>;
}

/** Plural resource names of the stores, as they appear in URLs. */
export type StoredKind = 'leases' | 'configmaps' | 'secrets' | 'roles' | 'rolebindings' | 'clusterroles' | 'clusterrolebindings';

const KIND_BY_PLURAL: Record<StoredKind, { kind: string; apiVersion: string; namespaced: boolean }> = {
  leases: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', namespaced: true },
  configmaps: { kind: 'ConfigMap', apiVersion: 'v1', namespaced: true },
  secrets: { kind: 'Secret', apiVersion: 'v1', namespaced: true },
  roles: { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', namespaced: true },
  rolebindings: { kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', namespaced: true },
  clusterroles: { kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', namespaced: false },
  clusterrolebindings: { kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', namespaced: false },
};
const PLURAL_BY_KIND = new Map(Object.entries(KIND_BY_PLURAL).map(([plural, info]) => [info.kind, plural as StoredKind]));

/** `GET` (with the kubeconfig's token): `{count, byPath: {"<METHOD> <path>": n}}` of the requests so far. */
export const REQUEST_LOG_PATH = '/fake-kube/requests';

const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);
const readTlsFile = (name: string) => readFileSync(new URL(name, TLS_DIR));

const ROUTES: { pattern: RegExp; plural?: StoredKind }[] = [
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)\/(configmaps|secrets)(?:\/([^/]+))?$/ },
  { pattern: /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/(leases)(?:\/([^/]+))?$/ },
  { pattern: /^\/apis\/rbac\.authorization\.k8s\.io\/v1\/namespaces\/([^/]+)\/(roles|rolebindings)(?:\/([^/]+))?$/ },
  { pattern: /^\/apis\/rbac\.authorization\.k8s\.io\/v1\/()(clusterroles|clusterrolebindings)(?:\/([^/]+))?$/ },
];

class HttpStatus extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message);
  }
}

/**
 * A local Kubernetes API server for tests (spec 05 §9), reached by the real `@kubernetes/client-node`
 * through the kubeconfig it writes. Requests without the kubeconfig's bearer token get 401.
 */
export async function startFakeKube(options: FakeKubeOptions = {}): Promise<FakeKube> {
  const token = randomBytes(24).toString('hex');
  const store = new Map<string, KubeObject>();
  const requests: RecordedRequest[] = [];
  let resourceVersion = 0;
  let fault: (Fault & { remaining: number }) | null = null;
  const sockets = new Set<Socket>();

  const key = (plural: StoredKind, namespace: string | null, name: string) => `${plural}/${namespace ?? ''}/${name}`;
  const list = (plural: StoredKind, namespace: string | null) =>
    [...store.entries()].filter(([k]) => k.startsWith(`${plural}/${namespace ?? ''}/`)).map(([, v]) => v);

  /** `dryRun` (the API's `?dryRun=All`) runs every check and answers the would-be object without storing it. */
  function write(plural: StoredKind, namespace: string | null, object: KubeObject, mode: 'create' | 'replace' | 'apply', dryRun = false): KubeObject {
    const name = object.metadata?.name;
    if (typeof name !== 'string' || name === '') throw new HttpStatus(422, 'Invalid', 'metadata.name: Required value');
    const k = key(plural, namespace, name);
    const existing = store.get(k);
    if (mode === 'create' && existing) throw new HttpStatus(409, 'AlreadyExists', `${plural} "${name}" already exists`);
    if (mode === 'replace') {
      if (!existing) throw new HttpStatus(404, 'NotFound', `${plural} "${name}" not found`);
      const given = object.metadata.resourceVersion;
      if (given !== undefined && given !== existing.metadata.resourceVersion) {
        throw new HttpStatus(409, 'Conflict', `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
      }
    }
    const info = KIND_BY_PLURAL[plural];
    const stored: KubeObject = structuredClone({ ...object, kind: info.kind, apiVersion: info.apiVersion });
    stored.metadata = {
      ...stored.metadata,
      ...(namespace !== null ? { namespace } : {}),
      resourceVersion: dryRun ? String(existing?.metadata.resourceVersion ?? resourceVersion) : String(++resourceVersion),
      uid: (existing?.metadata.uid as string | undefined) ?? randomUUID(),
      creationTimestamp: (existing?.metadata.creationTimestamp as string | undefined) ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    if (plural === 'secrets' && stored.stringData) {
      const data = { ...((stored.data as Record<string, string> | undefined) ?? {}) };
      for (const [k2, v] of Object.entries(stored.stringData as Record<string, string>)) data[k2] = Buffer.from(v, 'utf8').toString('base64');
      stored.data = data;
      delete stored.stringData;
    }
    if (!dryRun) store.set(k, stored);
    return stored;
  }

  function applyManifests(yaml: string): void {
    for (const document of parseAllDocuments(yaml)) {
      if (document.errors.length > 0) throw new Error(`invalid manifest: ${document.errors[0].message}`);
      const object = document.toJS() as KubeObject | null;
      if (!object) continue;
      const plural = PLURAL_BY_KIND.get(String(object.kind));
      if (!plural) throw new Error(`unsupported manifest kind ${String(object.kind)}`);
      const namespace = KIND_BY_PLURAL[plural].namespaced ? (object.metadata.namespace ?? 'default') : null;
      write(plural, namespace, object, 'apply');
    }
  }

  const rbacObjects = {
    roles: (ns: string) => list('roles', ns),
    roleBindings: (ns: string) => list('rolebindings', ns),
    clusterRoles: () => list('clusterroles', null),
    clusterRoleBindings: () => list('clusterrolebindings', null),
  };

  function handle(method: string, path: string, body: unknown, dryRun: boolean): { status: number; body: unknown } {
    if (method === 'GET' && path === '/version') return { status: 200, body: { major: '1', minor: '31', gitVersion: 'v1.31.0-fake' } };
    if (method === 'GET' && path === '/api') return { status: 200, body: { kind: 'APIVersions', versions: ['v1'] } };
    if (method === 'GET' && path === '/apis') {
      const groups = ['authorization.k8s.io', 'authentication.k8s.io', 'coordination.k8s.io', 'rbac.authorization.k8s.io'];
      return { status: 200, body: { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((name) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }] })) } };
    }
    if (method === 'POST' && path === '/apis/authorization.k8s.io/v1/subjectaccessreviews') {
      const spec = ((body as { spec?: Record<string, unknown> } | null)?.spec ?? {}) as { user?: string; groups?: string[]; resourceAttributes?: Record<string, string> };
      const attributes = spec.resourceAttributes ?? {};
      const status = evaluateReview(rbacObjects, {
        user: spec.user ?? '',
        groups: spec.groups ?? [],
        group: attributes.group ?? '',
        resource: attributes.resource ?? '',
        verb: attributes.verb ?? '',
        ...(attributes.namespace ? { namespace: attributes.namespace } : {}),
      });
      return { status: 201, body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec, status } };
    }
    if (method === 'POST' && path === '/apis/authentication.k8s.io/v1/tokenreviews') {
      const reviewed = (body as { spec?: { token?: string } } | null)?.spec?.token ?? '';
      const user = options.tokens?.[reviewed];
      const status = user ? { authenticated: true, user: { username: user.username, groups: user.groups ?? [] } } : { authenticated: false };
      return { status: 201, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: {}, status } };
    }
    for (const route of ROUTES) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const namespace = match[1] === '' ? null : decodeURIComponent(match[1]);
      const plural = match[2] as StoredKind;
      const name = match[3] === undefined ? undefined : decodeURIComponent(match[3]);
      const info = KIND_BY_PLURAL[plural];
      if (name === undefined) {
        if (method === 'GET') return { status: 200, body: { kind: `${info.kind}List`, apiVersion: info.apiVersion, metadata: { resourceVersion: String(resourceVersion) }, items: list(plural, namespace) } };
        if (method === 'POST') return { status: 201, body: write(plural, namespace, body as KubeObject, 'create', dryRun) };
        break;
      }
      const existing = store.get(key(plural, namespace, name));
      if (method === 'GET') {
        if (!existing) throw new HttpStatus(404, 'NotFound', `${plural} "${name}" not found`);
        return { status: 200, body: existing };
      }
      if (method === 'PUT') {
        const object = body as KubeObject;
        if (object?.metadata?.name !== name) throw new HttpStatus(400, 'BadRequest', 'the name of the object does not match the name on the URL');
        return { status: 200, body: write(plural, namespace, object, 'replace', dryRun) };
      }
      if (method === 'DELETE') {
        if (!existing) throw new HttpStatus(404, 'NotFound', `${plural} "${name}" not found`);
        store.delete(key(plural, namespace, name));
        resourceVersion++;
        return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: plural } } };
      }
      break;
    }
    throw new HttpStatus(404, 'NotFound', `the server could not find the requested resource (${method} ${path})`);
  }

  const listener: RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => void respond(request, response, Buffer.concat(chunks).toString('utf8')));
  };
  const server: Server = options.tls ? createHttpsServer({ key: readTlsFile('server.key'), cert: readTlsFile('server.crt') }, listener) : createServer(listener);
  // The raw sockets (also of unfinished TLS handshakes), so `close()` can end them all.
  let connectionCount = 0;
  server.on('connection', (socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function respond(request: IncomingMessage, response: ServerResponse, text: string): Promise<void> {
    const method = request.method ?? 'GET';
    const [path, query = ''] = (request.url ?? '/').split('?');
    const dryRun = new URLSearchParams(query).get('dryRun') === 'All';
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const send = (status: number, payload: unknown) => {
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    const statusBody = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
    const authorized = request.headers.authorization === `Bearer ${token}`;
    // The request log, for a test that runs this server in another process (the `fake-kube` bin); not recorded itself.
    if (method === 'GET' && path === REQUEST_LOG_PATH && authorized) {
      const byPath: Record<string, number> = {};
      for (const r of requests) {
        const key = `${r.method} ${r.path}`;
        byPath[key] = (byPath[key] ?? 0) + 1;
      }
      return send(200, { count: requests.length, byPath });
    }
    requests.push({ method, path, body });

    if (!authorized) return send(401, statusBody(401, 'Unauthorized', 'Unauthorized'));
    const active = fault && (!fault.method || fault.method === method) && (!fault.pathPrefix || path.startsWith(fault.pathPrefix)) ? fault : null;
    if (active) {
      if (--active.remaining <= 0) fault = null;
      if (active.delayMs) await new Promise((resolve) => setTimeout(resolve, active.delayMs));
      if (active.dropConnection) {
        request.socket.destroy();
        return;
      }
      if (active.status) return send(active.status, statusBody(active.status, 'InternalError', 'injected fault'));
    }
    try {
      const result = handle(method, path, body, dryRun);
      send(result.status, result.body);
    } catch (error) {
      if (error instanceof HttpStatus) return send(error.code, statusBody(error.code, error.reason, error.message));
      send(500, statusBody(500, 'InternalError', (error as Error).message));
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'fake-kube-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{
        name: 'fake',
        cluster: options.tls
          ? { server: url, 'certificate-authority-data': readTlsFile('ca.crt').toString('base64') }
          // @kubernetes/client-node 1.x refuses a plain-HTTP server unless TLS verification is declared skipped.
          : { server: url, 'insecure-skip-tls-verify': true },
      }],
      users: [{ name: 'fake-admin', user: { token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake-admin' } }],
      'current-context': 'fake',
    }),
  );
  if (options.rbac) applyManifests(options.rbac);

  return {
    url,
    kubeconfigPath,
    requests,
    get connectionCount() {
      return connectionCount;
    },
    closeIdleConnections: () => server.closeIdleConnections(),
    applyManifests,
    deleteObject(kind, namespace, name) {
      const plural = (PLURAL_BY_KIND.get(kind) ?? kind) as StoredKind;
      if (!store.delete(key(plural, namespace, name))) throw new Error(`${kind} ${namespace ?? ''}/${name} not found`);
      resourceVersion++;
    },
    setFault(next) {
      fault = next ? { ...next, remaining: next.times ?? Number.POSITIVE_INFINITY } : null;
    },
    get: (kind, namespace, name) => store.get(key(kind, namespace, name)),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
