import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ScenarioClient } from './ScenarioClient.js';
import { TEAMS } from './teamDataset.js';

const [teamA] = TEAMS;
const alice = { user: teamA.user, groups: teamA.groups, namespace: teamA.namespace, team: teamA };

async function serving(body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_request, response) => response.setHeader('content-type', 'application/json').end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('the isolation scan collects every UUID of a response, wherever it stands, and nothing else', async () => {
  const ids = ['0f8fad5b-d9cb-469f-a165-70867728950e', '7c9e6679-7425-40de-944b-e07fc1f90ae7', 'a1b2c3d4-0000-4000-8000-00000000abcd'];
  const body = JSON.stringify({
    items: [{ id: ids[0], name: 'red-mcp-00001', description: `see /jobs/${ids[1]}:cancel; face-b00c-dead-beef is no id` }],
    message: `x${ids[2]}`,
    nearMiss: '0f8fad5b-d9cb-469f-a165-70867728950',
    upperCase: '0F8FAD5B-D9CB-469F-A165-70867728950E',
  });
  const server = await serving(body);
  try {
    const client = new ScenarioClient([server.url]);
    const sent = await client.send(alice, 'GET', '/anything', { category: 'get' });
    assert.equal(sent.status, 200);
    assert.deepEqual([...client.uuidsSeen.get('team-a')!].sort(), [...ids].sort());
    assert.equal(client.uuidsSeen.get('team-b')!.size, 0);
    assert.deepEqual(client.violationCounts, { isolation: 0, rbacPositive: 0, rbacNegative: 0, stability: 0 });
  } finally {
    await server.close();
  }
});

test('the isolation scan flags the other team\'s token or namespace in a response', async () => {
  const server = await serving(JSON.stringify({ items: [{ name: 'blue-mcp-00001' }], nextPageToken: 'blue-x' }));
  try {
    const client = new ScenarioClient([server.url]);
    await client.send(alice, 'GET', '/list', { category: 'list' });
    assert.equal(client.violationCounts.isolation, 1);
    assert.match(client.violations.isolation[0], /^GET \/list as alice in team-a shows team-b's data/);
  } finally {
    await server.close();
  }
});
