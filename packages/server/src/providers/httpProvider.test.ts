import { rejection as rejectionOf } from '../testing/rejection.js';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SERVER_VERSION } from '../bundledPlugins.js';
import type { SourceConfig } from '../config/sourcesDocument.js';
import { sha256Hex } from '../ingest/digest.js';
import {
  createHttpProvider, isBlockedAddress, MAX_REDIRECTS, resolveHttpSettings, resolveRedirect, type HttpProviderOptions,
} from './httpProvider.js';
import { ProviderError } from './ProviderError.js';
import { createSecretResolver } from './secretRefs.js';
import type { FetchedDocument, FetchResult, ProviderRequest } from './types.js';

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, ProviderError);

const DOCUMENT = 'agents:\n  - name: fetched-agent\n';
const ETAG = '"v1"';
const LAST_MODIFIED = 'Wed, 01 Jan 2025 00:00:00 GMT';
const API_KEY = 'key-7d1e0c55-secret';

interface TestServer {
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function startServer(handler: RequestListener): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
    },
  };
}

let main: TestServer;
let other: TestServer;
let secretsDir: string;

before(async () => {
  secretsDir = await mkdtemp(join(tmpdir(), 'http-provider-secrets-'));
  await writeFile(join(secretsDir, 'api-key'), `${API_KEY}\n`);
  other = await startServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/yaml' }).end(DOCUMENT);
  });
  main = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const hops = Number(url.searchParams.get('hops') ?? '0');
    switch (url.pathname) {
      case '/doc.yaml':
        if (req.headers['if-none-match'] === ETAG) {
          res.writeHead(304).end();
          return;
        }
        res.writeHead(200, { ETag: ETAG, 'Last-Modified': LAST_MODIFIED, 'Content-Type': 'application/yaml' }).end(DOCUMENT);
        return;
      case '/plain.yaml':
        res.writeHead(200).end(DOCUMENT);
        return;
      case '/gzip.yaml':
        res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync(DOCUMENT));
        return;
      case '/always-304':
        res.writeHead(304).end();
        return;
      case '/error':
        res.writeHead(500).end('boom');
        return;
      case '/missing':
        res.writeHead(404, 'Nothing Here').end();
        return;
      case '/chain':
        if (hops === 0) res.writeHead(302, { Location: '/doc.yaml' }).end();
        else res.writeHead(301, { Location: `/chain?hops=${hops - 1}` }).end();
        return;
      case '/no-location':
        res.writeHead(302).end();
        return;
      case '/cross-origin':
        res.writeHead(307, { Location: `${other.url}/elsewhere.yaml` }).end();
        return;
      case '/to-link-local':
        res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      case '/big-declared':
        res.writeHead(200, { 'Content-Length': '5000' }).end('x'.repeat(5000));
        return;
      case '/big-chunked':
        res.writeHead(200);
        for (let i = 0; i < 50; i++) res.write('x'.repeat(100));
        res.end();
        return;
      case '/gzip-bomb':
        res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync('x'.repeat(100_000)));
        return;
      case '/slow-body':
        // Headers at once, then the body trickles and never ends.
        res.writeHead(200);
        res.write('agents:\n');
        return;
      case '/odd-encoding':
        res.writeHead(200, { 'Content-Encoding': 'compress' }).end('x');
        return;
      default:
        res.writeHead(404).end();
    }
  });
});

after(async () => {
  await main.close();
  await other.close();
  await rm(secretsDir, { recursive: true, force: true });
});

function setup(overrides: Partial<HttpProviderOptions> = {}) {
  const provider = createHttpProvider({
    fetchContext: { baseDir: '/', dataRoots: [], maxBytes: 1000 },
    timeoutSeconds: 30,
    resolveSecret: createSecretResolver({ env: { CATALOG_SECRET_TOKEN: 'bearer-token-value' }, secretsDir }),
    ...overrides,
  });
  return (properties: Record<string, unknown>, options: Partial<Pick<ProviderRequest, 'previousState' | 'force'>> = {}) =>
    provider.fetch({ source: httpSource(properties), location: { namespace: 'default', plugin: 'agents', sourceId: 'remote' }, force: false, ...options });
}

function httpSource(properties: Record<string, unknown>): SourceConfig {
  return {
    id: 'remote', name: 'Remote', type: 'http', enabled: true, labels: [], properties,
    includedItems: [], excludedItems: [], line: 1, problems: [],
  };
}

function documentOf(result: FetchResult): FetchedDocument {
  assert.ok(!result.unchanged, 'expected a document, got unchanged');
  assert.equal(result.documents.length, 1);
  return result.documents[0];
}


describe('http provider', () => {
  it('fetches the document with ETag and Last-Modified as state and provenance', async () => {
    const fetch = setup();
    const result = await fetch({ url: `${main.url}/doc.yaml?sig=abc123` });
    const document = documentOf(result);
    const uri = `${main.url}/doc.yaml`;
    assert.equal(document.file, uri);
    assert.equal(document.text, DOCUMENT);
    assert.equal(document.digest, sha256Hex(DOCUMENT));
    const { fetchedAt, ...provenance } = document.provenance;
    assert.deepEqual(provenance, { type: 'http', uri, etag: ETAG, lastModified: LAST_MODIFIED, digest: `sha256:${sha256Hex(DOCUMENT)}` });
    assert.ok(!Number.isNaN(Date.parse(String(fetchedAt))));
    assert.ok(!result.unchanged);
    assert.deepEqual(result.state, { etag: ETAG, lastModified: LAST_MODIFIED });

    const request = main.requests.at(-1)!;
    assert.equal(request.headers['user-agent'], `catalog-server/${SERVER_VERSION}`);
    assert.equal(request.headers['if-none-match'], undefined);
  });

  it('sends If-None-Match and If-Modified-Since next time and reports 304 as unchanged', async () => {
    const fetch = setup();
    const result = await fetch({ url: `${main.url}/doc.yaml` }, { previousState: { etag: ETAG, lastModified: LAST_MODIFIED } });
    assert.deepEqual(result, { unchanged: true });
    const request = main.requests.at(-1)!;
    assert.equal(request.headers['if-none-match'], ETAG);
    assert.equal(request.headers['if-modified-since'], LAST_MODIFIED);
  });

  it('sends no conditional headers when forced', async () => {
    const fetch = setup();
    documentOf(await fetch({ url: `${main.url}/doc.yaml` }, { previousState: { etag: ETAG }, force: true }));
    assert.equal(main.requests.at(-1)!.headers['if-none-match'], undefined);
  });

  it('refuses a 304 it did not ask for', async () => {
    const fetch = setup();
    const error = await rejection(fetch({ url: `${main.url}/always-304` }));
    assert.equal(error.message, `HTTP 304 Not Modified from ${main.url}/always-304 without a conditional request`);
  });

  it('omits missing validators from state and provenance, and decodes gzip', async () => {
    const fetch = setup();
    const result = await fetch({ url: `${main.url}/plain.yaml` });
    assert.ok(!result.unchanged);
    assert.deepEqual(result.state, {});
    assert.equal(documentOf(result).provenance.etag, null);
    assert.equal(documentOf(await fetch({ url: `${main.url}/gzip.yaml` })).text, DOCUMENT);
  });

  it('fails non-2xx responses naming the status, without the query string', async () => {
    const fetch = setup();
    assert.equal((await rejection(fetch({ url: `${main.url}/error?token=abc` }))).message, `HTTP 500 Internal Server Error from ${main.url}/error`);
    assert.equal((await rejection(fetch({ url: `${main.url}/missing` }))).message, `HTTP 404 Nothing Here from ${main.url}/missing`);
  });

  it(`follows up to ${MAX_REDIRECTS} redirects`, async () => {
    const fetch = setup();
    // hops=4 means five redirects in all: four of /chain, then one to /doc.yaml.
    assert.equal(documentOf(await fetch({ url: `${main.url}/chain?hops=4` })).text, DOCUMENT);
    const error = await rejection(fetch({ url: `${main.url}/chain?hops=5` }));
    assert.equal(error.message, `too many redirects from ${main.url}/chain`);
    assert.equal((await rejection(fetch({ url: `${main.url}/no-location` }))).message, `HTTP 302 Found from ${main.url}/no-location without a Location header`);
  });

  it('drops configured headers and the token when a redirect leaves the origin', async () => {
    const fetch = setup();
    const result = await fetch(
      { url: `${main.url}/cross-origin`, headers: { 'X-Api-Key': { file: 'api-key' }, 'X-Team': 'blue' }, authToken: { env: 'CATALOG_SECRET_TOKEN' } },
      { previousState: { etag: '"old"' } },
    );
    assert.equal(documentOf(result).text, DOCUMENT);
    const first = main.requests.at(-1)!.headers;
    assert.equal(first['x-api-key'], API_KEY);
    assert.equal(first['x-team'], 'blue');
    assert.equal(first.authorization, 'Bearer bearer-token-value');
    const second = other.requests.at(-1)!.headers;
    assert.equal(second['x-api-key'], undefined);
    assert.equal(second['x-team'], undefined);
    assert.equal(second.authorization, undefined);
    assert.equal(second['if-none-match'], '"old"');
    // The resolved secret appears nowhere in what the provider returns.
    assert.ok(!JSON.stringify(result).includes(API_KEY) && !JSON.stringify(result).includes('bearer-token-value'));
  });

  it('refuses https → http redirects and non-http schemes', () => {
    const from = new URL('https://example.com/catalog.yaml?sig=1');
    assert.throws(() => resolveRedirect(from, 'http://example.com/catalog.yaml'), {
      message: 'redirect from https to http is not allowed (https://example.com/catalog.yaml to http://example.com/catalog.yaml)',
    });
    assert.throws(() => resolveRedirect(from, 'file:///etc/passwd'), { message: 'redirect from https://example.com/catalog.yaml to URL scheme "file" is not allowed' });
    assert.throws(() => resolveRedirect(from, 'https://user:pw@example.com/'), { message: 'redirect from https://example.com/catalog.yaml names a URL with credentials' });
    assert.equal(resolveRedirect(from, '/other.yaml').href, 'https://example.com/other.yaml');
    assert.equal(resolveRedirect(new URL('http://example.com/a'), 'https://example.org/b').href, 'https://example.org/b');
  });

  it('refuses link-local destinations, directly and after a redirect', async () => {
    const fetch = setup();
    assert.equal((await rejection(fetch({ url: 'http://169.254.169.254/latest/meta-data/' }))).message, 'destination address 169.254.169.254 is not allowed');
    assert.equal((await rejection(fetch({ url: 'http://[fe80::1]/x' }))).message, 'destination address fe80::1 is not allowed');
    assert.equal((await rejection(fetch({ url: `${main.url}/to-link-local` }))).message, 'destination address 169.254.169.254 is not allowed');
    assert.ok(isBlockedAddress('::ffff:169.254.1.1'));
    assert.ok(!isBlockedAddress('127.0.0.1'));
  });

  it('aborts bodies over the size limit, declared or not, and after decompression', async () => {
    const fetch = setup();
    for (const path of ['/big-declared', '/big-chunked', '/gzip-bomb']) {
      const error = await rejection(fetch({ url: `${main.url}${path}` }));
      assert.equal(error.message, `response body from ${main.url}${path} exceeds maximum size of 1000 bytes`, path);
    }
    assert.equal((await rejection(fetch({ url: `${main.url}/odd-encoding` }))).message, `unsupported Content-Encoding "compress" from ${main.url}/odd-encoding`);
  });

  it('bounds the whole request, body included, by the timeout', async () => {
    const fetch = setup();
    const started = Date.now();
    const error = await rejection(fetch({ url: `${main.url}/slow-body`, timeout: 1 }));
    assert.equal(error.message, `HTTP request to ${main.url}/slow-body timed out after 1 s`);
    assert.ok(Date.now() - started < 5000);
  });

  it('resolves host names through the guarded lookup', async () => {
    const fetch = setup();
    const port = new URL(main.url).port;
    assert.equal(documentOf(await fetch({ url: `http://localhost:${port}/doc.yaml` })).text, DOCUMENT);
  });

  it('reports connection failures', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const fetch = setup();
    const error = await rejection(fetch({ url: `${closed.url}/x.yaml` }));
    assert.match(error.message, new RegExp(`^HTTP request to ${closed.url}/x.yaml failed: .*ECONNREFUSED`));
  });

  it('reports secret failures without resolving further', async () => {
    const fetch = setup();
    const error = await rejection(fetch({ url: `${main.url}/doc.yaml`, headers: { 'X-Api-Key': { env: 'DATABASE_DSN' } } }));
    assert.equal(error.message, 'failed to resolve secret for property "headers.X-Api-Key": environment variable references must start with "CATALOG_SECRET_"');
  });

  it('refuses header values with line breaks without echoing them', async () => {
    const fetch = setup({ resolveSecret: createSecretResolver({ env: { CATALOG_SECRET_BAD: 'a\r\nX-Injected: 1' }, secretsDir: null }) });
    const error = await rejection(fetch({ url: `${main.url}/doc.yaml`, headers: { 'X-Api-Key': { env: 'CATALOG_SECRET_BAD' } } }));
    assert.equal(error.message, 'header "X-Api-Key" has an invalid value');
  });
});

describe('http source properties', () => {
  const check = (properties: Record<string, unknown>) => () => resolveHttpSettings(properties, { timeoutSeconds: 30 });
  const url = 'https://example.com/catalog.yaml';

  it('rejects invalid configurations with the messages of 04 §14.3', () => {
    assert.throws(check({}), { message: 'url is required' });
    assert.throws(check({ url: 7 }), { message: 'properties.url must be a string' });
    assert.throws(check({ url: 'ftp://example.com/x' }), { message: 'URL scheme "ftp" is not allowed (allowed: https, http)' });
    assert.throws(check({ url: 'file:///etc/passwd' }), { message: 'URL scheme "file" is not allowed (allowed: https, http)' });
    assert.throws(check({ url: 'not a url' }), { message: 'url is not a valid URL' });
    assert.throws(check({ url: 'https://u:p@example.com/x' }), { message: 'url must not contain credentials; use headers with a secret reference' });
    assert.throws(check({ url, headers: { Host: 'evil' } }), { message: 'header "Host" is not allowed' });
    assert.throws(check({ url, headers: { 'transfer-encoding': 'chunked' } }), { message: 'header "transfer-encoding" is not allowed' });
    assert.throws(check({ url, headers: { 'Bad Name': 'x' } }), { message: 'header name "Bad Name" is not valid' });
    assert.throws(check({ url, headers: { 'X-A': 'x', 'x-a': 'y' } }), { message: 'header "x-a" is given more than once' });
    assert.throws(check({ url, headers: { 'X-A': 1 } }), { message: 'properties.headers.X-A must be a string or a secret reference' });
    assert.throws(check({ url, headers: ['x'] }), { message: 'properties.headers must be a object' });
    assert.throws(check({ url, authToken: 't', headers: { authorization: 'Basic x' } }), { message: 'authToken cannot be combined with an Authorization header' });
    assert.throws(check({ url, authToken: { env: '' } }), { message: 'properties.authToken must be a string or a secret reference' });
    for (const timeout of [0, 301, 1.5, '30']) {
      assert.throws(check({ url, timeout }), { message: 'timeout must be an integer number of seconds between 1 and 300' }, String(timeout));
    }
  });

  it('normalizes a valid configuration', () => {
    const settings = resolveHttpSettings({ url: `${url}?a=1#frag`, timeout: 300, headers: { 'X-Key': { file: 'k' } } }, { timeoutSeconds: 30 });
    assert.equal(settings.uri, url);
    assert.equal(settings.timeoutSeconds, 300);
    assert.deepEqual(settings.headers, [{ name: 'X-Key', value: { file: 'k' } }]);
    assert.equal(resolveHttpSettings({ url }, { timeoutSeconds: 30 }).timeoutSeconds, 30);
  });
});

describe('http provider with a secret directory', () => {
  it('reads {file} secrets for headers, removing one trailing newline', async () => {
    const dir = join(secretsDir, 'nested');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'team'), 'green\n');
    await writeFile(join(dir, 'two-newlines'), 'green\n\n');
    const fetch = setup();
    documentOf(await fetch({ url: `${main.url}/doc.yaml`, headers: { 'X-Team': { file: 'nested/team' } } }));
    assert.equal(main.requests.at(-1)!.headers['x-team'], 'green');
    // Only one newline is removed (04 §11.1); the one left would break the header, so the provider refuses it.
    const error = await rejection(fetch({ url: `${main.url}/doc.yaml`, headers: { 'X-Team': { file: 'nested/two-newlines' } } }));
    assert.equal(error.message, 'header "X-Team" has an invalid value');
  });
});
