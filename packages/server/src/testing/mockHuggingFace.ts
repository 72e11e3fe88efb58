import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The one token the mock accepts (03 §14.9). */
export const VALID_TOKEN = 'hf_test_valid';

/** A scripted answer replacing the normal one for a request path. */
export interface MockHubFault {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Waits this long before answering (a response slower than `requestTimeout`). */
  delayMs?: number;
}

export interface MockHubRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Requests of the mock in flight when this one arrived, itself included. */
  inFlight: number;
  at: number;
}

/**
 * A Hugging Face hub for tests (03 §14.9): a `node:http` server on `127.0.0.1`, random port, serving
 * model infos given by the test (fictional organizations), the model list with `Link` pagination and
 * a fuzzy `search`, READMEs, `whoami-v2` for {@link VALID_TOKEN}, and scripted faults per path. Every
 * request is logged so tests can assert counts, headers and concurrency.
 */
export class MockHuggingFace {
  readonly requests: MockHubRequest[] = [];
  /** Answers `GET /api/models` pages with at most this many items. */
  pageSize = 100;
  /** Every answer waits this long, so parallel requests overlap. */
  latencyMs = 0;
  /** When set, `rel="next"` links point to this origin instead of the mock's own. */
  nextLinkOrigin: string | undefined;
  private readonly models = new Map<string, Record<string, unknown>>();
  private readonly readmes = new Map<string, string>();
  private readonly faults = new Map<string, MockHubFault[]>();
  private readonly persistentFaults = new Map<string, MockHubFault>();
  private readonly sockets = new Set<Socket>();
  private inFlight = 0;
  private peak = 0;

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<MockHuggingFace> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const hub = new MockHuggingFace(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => void hub.handle(req.method ?? 'GET', req.url ?? '/', req.headers, res));
    server.on('connection', (socket) => {
      hub.sockets.add(socket);
      socket.on('close', () => hub.sockets.delete(socket));
    });
    return hub;
  }

  /** Adds or replaces a model (keyed by its `id`), with its README text when given. */
  setModel(info: Record<string, unknown>, readme?: string): void {
    const id = String(info.id);
    this.models.set(id.toLowerCase(), info);
    if (readme !== undefined) this.readmes.set(id.toLowerCase(), readme);
  }

  removeModel(id: string): void {
    this.models.delete(id.toLowerCase());
  }

  /** Answers the next requests of `path` (no query) with `faults`, one each, then normally again. */
  failNext(path: string, ...faults: MockHubFault[]): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...faults]);
  }

  /** Answers every request of `path` with `fault` until {@link reset}. */
  failAlways(path: string, fault: MockHubFault): void {
    this.persistentFaults.set(path, fault);
  }

  /** Forgets faults, the request log and the concurrency peak (models stay). */
  reset(): void {
    this.faults.clear();
    this.persistentFaults.clear();
    this.requests.length = 0;
    this.peak = 0;
    this.pageSize = 100;
    this.latencyMs = 0;
    this.nextLinkOrigin = undefined;
  }

  /** The highest number of requests in flight at once since the last reset. */
  get peakInFlight(): number {
    return this.peak;
  }

  /** Requests whose path (without query) is `path`. */
  requestsTo(path: string): MockHubRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(method: string, rawUrl: string, headers: IncomingHttpHeaders, res: ServerResponse): Promise<void> {
    const url = new URL(rawUrl, this.url);
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    this.requests.push({ method, url: rawUrl, path: url.pathname, headers, inFlight: this.inFlight, at: Date.now() });
    res.on('close', () => this.inFlight--);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (res.destroyed) return;
    const fault = this.faults.get(url.pathname)?.shift() ?? this.persistentFaults.get(url.pathname);
    if (fault !== undefined) {
      if (fault.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (res.destroyed) return;
      res.writeHead(fault.status ?? 200, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? (fault.status === undefined || fault.status < 400 ? '' : JSON.stringify({ error: 'scripted fault' })));
      return;
    }
    this.answer(url, headers, res);
  }

  private answer(url: URL, headers: IncomingHttpHeaders, res: ServerResponse): void {
    const json = (status: number, value: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...extra });
      res.end(JSON.stringify(value));
    };
    if (url.pathname === '/api/whoami-v2') {
      if (headers.authorization === `Bearer ${VALID_TOKEN}`) json(200, { type: 'user', name: 'test-user' });
      else json(401, { error: 'Invalid credentials in Authorization header' });
      return;
    }
    if (url.pathname === '/api/models') {
      this.list(url, res);
      return;
    }
    const info = /^\/api\/models\/(.+)$/.exec(url.pathname);
    if (info !== null) {
      const model = this.models.get(decodeURIComponent(info[1]).toLowerCase());
      if (model === undefined) json(404, { error: 'Repository not found' });
      else json(200, model);
      return;
    }
    const raw = /^\/(.+)\/raw\/main\/([^/]+)$/.exec(url.pathname);
    if (raw !== null) {
      const readme = this.readmes.get(decodeURIComponent(raw[1]).toLowerCase());
      if (readme === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Entry not found');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(readme);
      }
      return;
    }
    json(404, { error: 'not found' });
  }

  /** `author` filters exactly; `search` is fuzzy like the hub's (a substring anywhere in the id); `cursor` is an offset. */
  private list(url: URL, res: ServerResponse): void {
    const author = (url.searchParams.get('author') ?? '').toLowerCase();
    const search = (url.searchParams.get('search') ?? '').toLowerCase();
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, this.pageSize);
    const offset = Number(Buffer.from(url.searchParams.get('cursor') ?? '', 'base64url').toString('utf8') || 0);
    const matches = [...this.models.values()].filter((m) => {
      const id = String(m.id).toLowerCase();
      return (author === '' || id.startsWith(`${author}/`)) && id.includes(search);
    });
    const page = matches.slice(offset, offset + limit).map((m) => ({
      _id: m._id, id: m.id, likes: m.likes ?? 0, downloads: m.downloads ?? 0, private: m.private ?? false,
      tags: m.tags ?? [], pipeline_tag: m.pipeline_tag, library_name: m.library_name, createdAt: m.createdAt, modelId: m.id,
    }));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (offset + limit < matches.length) {
      const next = new URL(url.pathname + url.search, this.nextLinkOrigin ?? this.url);
      next.searchParams.set('cursor', Buffer.from(String(offset + limit)).toString('base64url'));
      headers.link = `<${next.href}>; rel="next"`;
    }
    res.writeHead(200, headers);
    res.end(JSON.stringify(page));
  }
}

/**
 * A model info response shaped like the hub's (`GET /api/models/<id>`), for a fictional model;
 * `overrides` replace or add top-level fields (`undefined` removes one).
 */
export function hubModelInfo(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const [author] = id.split('/');
  const info: Record<string, unknown> = {
    _id: `65f0${Buffer.from(id).toString('hex').slice(0, 20)}`,
    id,
    modelId: id,
    author,
    sha: `${Buffer.from(id).toString('hex').padEnd(40, '0').slice(0, 40)}`,
    lastModified: '2025-03-01T12:00:00.000Z',
    createdAt: '2024-11-05T08:30:00.000Z',
    private: false,
    gated: false,
    disabled: false,
    downloads: 1200,
    likes: 17,
    library_name: 'transformers',
    tags: ['transformers', 'safetensors', 'text-generation', 'en', 'license:apache-2.0', 'region:us'],
    pipeline_tag: 'text-generation',
    config: { architectures: ['LlamaForCausalLM'], model_type: 'llama' },
    cardData: { license: 'apache-2.0', language: ['en'], description: `Fictional test model ${id}.` },
    siblings: [{ rfilename: '.gitattributes' }, { rfilename: 'README.md' }, { rfilename: 'config.json' }, { rfilename: 'model.safetensors' }],
    spaces: [],
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete info[key];
    else info[key] = value;
  }
  return info;
}
