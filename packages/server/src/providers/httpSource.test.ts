import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/**
 * Spec 02 §12 item 20 end to end: an `http` source fetched by a local server, conditional re-fetch
 * with If-None-Match, 304 treated as unchanged, a 500 keeping the previous entities.
 */
const DOCUMENT = `mcpservers:
  - {name: fetched-one, serverUrl: "https://one.example.com/mcp", deploymentMode: remote}
  - {name: fetched-two, serverUrl: "stdio://two", deploymentMode: local}
`;

let origin: Server;
let mode: 'ok' | 'error' = 'ok';
const requests: IncomingHttpHeaders[] = [];
let t: TestServer;

before(async () => {
  origin = createServer((req, res) => {
    requests.push(req.headers);
    if (mode === 'error') {
      res.writeHead(500).end('boom');
    } else if (req.headers['if-none-match'] === '"v1"') {
      res.writeHead(304).end();
    } else {
      res.writeHead(200, { ETag: '"v1"', 'Content-Type': 'application/yaml' }).end(DOCUMENT);
    }
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/catalog.yaml?token=ignored`;
  t = await startTestServer({
    kind: 'pglite',
    files: { 'sources.yaml': `catalogs:\n  mcp:\n    sources:\n      - {id: remote, name: Remote, type: http, properties: {url: "${url}", syncInterval: 10s}}\n` },
  });
});
after(async () => {
  await t?.close();
  await new Promise((resolve) => origin.close(resolve));
});

async function waitForRequests(n: number): Promise<void> {
  for (let i = 0; i < 100 && requests.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 250));
  assert.ok(requests.length >= n, `expected ${n} fetches, saw ${requests.length}`);
  // Let the refresh that followed the fetch commit.
  await new Promise((resolve) => setTimeout(resolve, 500));
}

test('the document is fetched, served with http provenance, and re-fetched conditionally', async () => {
  const first = JSON.parse((await t.inject('/api/mcp_catalog/v1alpha1/mcpservers/fetched-one')).body);
  assert.equal(first.provenance.type, 'http');
  assert.equal(first.provenance.etag, '"v1"');
  assert.equal(first.provenance.uri.includes('token'), false);

  await waitForRequests(2);
  assert.equal(requests[1]['if-none-match'], '"v1"');
  const again = JSON.parse((await t.inject('/api/mcp_catalog/v1alpha1/mcpservers/fetched-one')).body);
  assert.equal(again.lastUpdateTimeSinceEpoch, first.lastUpdateTimeSinceEpoch);
  assert.equal(again.id, first.id);
});

test('a failing origin keeps the previous entities', async () => {
  mode = 'error';
  const seen = requests.length;
  await waitForRequests(seen + 1);
  const failed = t.logs.find((l) => l.msg === 'source refresh failed' && l.sourceId === 'remote');
  assert.ok(failed);
  assert.match(String(failed.error), /500/);
  const list = JSON.parse((await t.inject('/api/mcp_catalog/v1alpha1/mcpservers')).body);
  assert.deepEqual(list.items.map((i: { name: string }) => i.name), ['fetched-one', 'fetched-two']);
});
