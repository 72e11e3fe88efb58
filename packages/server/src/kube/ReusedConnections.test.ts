import assert from 'node:assert/strict';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { test } from 'node:test';
import type { RequestContext } from '@kubernetes/client-node';
import { ReusedConnections } from './ReusedConnections.js';

/** What the client-node library hands each call: a request context carrying a fresh agent. */
function call(connections: ReusedConnections, fresh: HttpAgent): Promise<HttpAgent> {
  let agent: HttpAgent | undefined = fresh;
  const context = { getAgent: () => agent, setAgent: (next: HttpAgent) => void (agent = next) } as unknown as RequestContext;
  return connections.middleware.pre(context).toPromise().then(() => agent!);
}

test('calls with the same TLS material share one keep-alive agent; new material gets a new one', async () => {
  const connections = new ReusedConnections();
  try {
    const first = await call(connections, new HttpsAgent({ ca: Buffer.from('ca-1'), rejectUnauthorized: true }));
    const second = await call(connections, new HttpsAgent({ ca: Buffer.from('ca-1'), rejectUnauthorized: true }));
    assert.equal(second, first);
    assert.ok(first instanceof HttpsAgent);
    assert.equal((first as unknown as { keepAlive: boolean }).keepAlive, true);
    const rotated = await call(connections, new HttpsAgent({ ca: Buffer.from('ca-1'), cert: 'client-2', rejectUnauthorized: true }));
    assert.notEqual(rotated, first, 'a rotated client certificate is a new agent');
    assert.equal((rotated as HttpAgent & { options: { cert: string } }).options.cert, 'client-2');
  } finally {
    connections.close();
  }
});

test('a plain-HTTP agent is pooled as HTTP; a proxy agent is left as the library built it', async () => {
  const connections = new ReusedConnections();
  try {
    const plain = await call(connections, new HttpAgent({}));
    assert.ok(!(plain instanceof HttpsAgent) && plain instanceof HttpAgent);
    assert.equal(await call(connections, new HttpAgent({})), plain);
    class ProxyAgent extends HttpsAgent {}
    const proxy = new ProxyAgent({});
    assert.equal(await call(connections, proxy), proxy);
  } finally {
    connections.close();
  }
});
