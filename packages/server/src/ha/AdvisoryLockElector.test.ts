import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import pg from 'pg';
import { MIGRATION_ADVISORY_LOCK_ID } from '../db/migrationLock.js';
import { AdvisoryLockElector, leaderLockKey } from './AdvisoryLockElector.js';

const TIMINGS = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };
const quiet = { info: () => undefined, warn: () => undefined };
const url = process.env.CATALOG_TEST_DATABASE_URL;

async function until(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

test('the lock key is the CRC-32 of catalog-server-leader/<lease name>', () => {
  // The same construction as the migration lock id.
  assert.equal(leaderLockKey('catalog-server-leader'), crc32('catalog-server-leader/catalog-server-leader'));
  assert.equal(crc32('catalog-server-migration'), MIGRATION_ADVISORY_LOCK_ID);
  assert.notEqual(leaderLockKey('a'), leaderLockKey('b'));
});

describe('PostgreSQL advisory-lock leader election', { skip: url ? false : 'CATALOG_TEST_DATABASE_URL is not set' }, () => {
  let admin: pg.Client;
  before(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  after(() => admin.end());

  // A fresh lock name per test: the PostgreSQL server is shared with other test runs.
  const applicationNames = new Map<AdvisoryLockElector, string>();
  const electors = (count: number, connectionString = url) => {
    const leaseName = `test-${randomBytes(4).toString('hex')}`;
    return Array.from({ length: count }, (_, i) => {
      const applicationName = `elector-${leaseName}-${i}`;
      const elector = new AdvisoryLockElector({ connection: { connectionString, application_name: applicationName }, leaseName, identity: `replica-${i}`, log: quiet, ...TIMINGS });
      applicationNames.set(elector, applicationName);
      return elector;
    });
  };

  test('exactly one of three leads; a gracefully stopped leader hands over within a retry period', async () => {
    const all = electors(3);
    all.forEach((e) => e.start());
    try {
      await until(() => all.some((e) => e.runsSingletonTasks()), 3_000);
      await new Promise((resolve) => setTimeout(resolve, 4 * TIMINGS.retryPeriodMs));
      const leaders = all.filter((e) => e.runsSingletonTasks());
      assert.equal(leaders.length, 1);
      assert.equal(leaders[0].status().status, 'leader');
      assert.equal(all.find((e) => !e.runsSingletonTasks())!.status().status, 'follower');
      await leaders[0].stop();
      const took = await until(() => all.filter((e) => e.runsSingletonTasks()).length === 1, 2_000);
      assert.ok(took < TIMINGS.leaseDurationMs, `took ${took} ms`);
    } finally {
      await Promise.all(all.map((e) => e.stop()));
    }
  });

  /** Terminates the leader's session and checks the old leader steps down at once, never leading alongside the new one. */
  async function killLeaderSession(all: AdvisoryLockElector[]): Promise<void> {
    await until(() => all.some((e) => e.runsSingletonTasks()), 3_000);
    const leader = all.find((e) => e.runsSingletonTasks())!;
    const other = all.find((e) => e !== leader)!;
    const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationNames.get(leader)]);
    const leaderPids = rows.map((r) => r.pid);
    // The lock went with the session: the old leader steps down at once, never alongside the new one.
    let overlap = false;
    const watch = setInterval(() => {
      if (leader.runsSingletonTasks() && other.runsSingletonTasks()) overlap = true;
    }, 5);
    try {
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [leaderPids]);
      const stepDown = await until(() => !leader.runsSingletonTasks(), TIMINGS.renewDeadlineMs + 2_000);
      assert.ok(stepDown < TIMINGS.renewDeadlineMs, `stepped down after ${stepDown} ms`);
      await until(() => other.runsSingletonTasks(), TIMINGS.renewDeadlineMs + 2_000);
    } finally {
      clearInterval(watch);
    }
    assert.equal(overlap, false, 'two leaders at once');
  }

  test('a killed leader session (terminated backend) loses the lock and another replica leads', async () => {
    const all = electors(2);
    all.forEach((e) => e.start());
    try {
      await killLeaderSession(all);
    } finally {
      await Promise.all(all.map((e) => e.stop()));
    }
  });

  test('a killed leader steps down on the server\'s FATAL message, not when its connection finally closes', async () => {
    // The server drops the lock between sending its FATAL message and closing the socket; under load
    // a follower can take the lock in that gap. A proxy that holds each close back for a second
    // makes the gap long enough that a replica waiting for the close would lead alongside the new leader.
    const proxy = await delayedCloseProxy(new URL(url!), 1_000);
    const proxied = new URL(url!);
    proxied.hostname = '127.0.0.1';
    proxied.port = String((proxy.address() as AddressInfo).port);
    const all = electors(2, proxied.toString());
    all.forEach((e) => e.start());
    try {
      await killLeaderSession(all);
    } finally {
      await Promise.all(all.map((e) => e.stop()));
      proxy.close();
    }
  });
});

/** A TCP proxy to PostgreSQL that passes bytes at once but passes the server's end of a connection `delayMs` late. */
async function delayedCloseProxy(target: URL, delayMs: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432), allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.on('data', (chunk) => upstream.write(chunk));
    client.on('end', () => upstream.end());
    upstream.on('data', (chunk) => client.write(chunk));
    upstream.on('end', () => setTimeout(() => client.end(), delayMs).unref());
  });
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
