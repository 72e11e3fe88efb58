/** Shared pieces of the benchmarks: a server process, readiness, an autocannon run, a scratch database. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { parse } from 'yaml';
import { REQUEST_LOG_PATH } from '@catalog/fake-kube';
import { createPostgresTestDatabase } from '../packages/server/src/testing/databases.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Started {
  child: ChildProcess;
  url: string;
  msToListening: number;
  /** The stdout line that announced the URL, parsed. */
  announcement: Record<string, unknown>;
}

/**
 * Spawns a process and resolves with the URL of the first stdout line `announces` accepts (by default
 * a server's `server listening` log line), a JSON object with a `url`.
 */
export function startProcess(
  command: string, args: string[], env: NodeJS.ProcessEnv, announces = (line: string) => line.includes('"server listening"'),
): Promise<Started> {
  const began = performance.now();
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (announces(line)) {
          const announcement = JSON.parse(line) as { url: string };
          // Keep draining stdout so the server never blocks on a full pipe.
          resolve({ child, url: announcement.url, msToListening: performance.now() - began, announcement });
        }
      }
      if (buffer.length > 1e6) buffer = '';
    });
    child.on('exit', (code) => reject(new Error(`process exited with ${code} before listening`)));
  });
}

/** Milliseconds from `began` until `/readyz` answers 200. */
export async function waitReady(url: string, began: number): Promise<number> {
  for (;;) {
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.status === 200) return performance.now() - began;
    } catch {
      // not accepting yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface LoadResult {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  non2xx: number;
  requests: number;
}

/**
 * 20 connections for `duration` seconds; percentiles computed from every response time. `path`, when given, is asked for the path of every request (e.g. distinct queries that no response
 * cache can answer); otherwise every request is `url`.
 */
export async function load(url: string, duration: number, headers: Record<string, string> = {}, path?: () => string): Promise<LoadResult> {
  const latencies: number[] = [];
  const requests = path ? [{ setupRequest: (request: { path?: string }) => ({ ...request, path: path() }) }] : undefined;
  const instance = autocannon({ url, connections: 20, duration, headers, requests });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), rps: Math.round(result.requests.average), non2xx: result.non2xx, requests: latencies.length };
}

export interface Replica {
  url: string;
  /** Seconds from spawn until `/readyz` answered 200. */
  readySeconds: number;
  stop: () => Promise<void>;
}

/**
 * Starts `count` processes of the built server with `args` and `env` (plus PATH, info logging and a
 * POD_NAME of their own, which is each replica's identity), all at once, and waits until every one is ready.
 */
export async function startReplicas(count: number, args: string[], env: NodeJS.ProcessEnv): Promise<Replica[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const began = performance.now();
    const server = await startProcess(process.execPath, [...replicaNodeArgs(), `${ROOT}packages/server/dist/main.js`, '--listen=127.0.0.1:0', ...args], {
      PATH: process.env.PATH, CATALOG_LOG_LEVEL: 'info', POD_NAME: `replica-${i + 1}`, ...env,
    });
    const readySeconds = Math.round((await waitReady(server.url, began)) / 100) / 10;
    return { url: server.url, readySeconds, stop: () => stop(server.child) };
  }));
}

/**
 * Node options for the replicas alone, not the load generator, from CATALOG_BENCH_NODE_ARGS (space
 * separated, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`; Node refuses `--cpu-prof` in NODE_OPTIONS).
 */
export function replicaNodeArgs(): string[] {
  return (process.env.CATALOG_BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
}

/**
 * The fake Kubernetes API server (its CLI, with the multi-tenant RBAC fixture or the `rbac` file) in a
 * process of its own, as an API server is: in the load generator's process, every SubjectAccessReview
 * a replica sends would wait for the load generator's event loop. `requests(suffix)` counts the
 * requests whose path ends with `suffix`, from the server's request log.
 */
export async function startFakeKubeProcess(rbac?: string): Promise<{ kubeconfigPath: string; requests: (suffix: string) => Promise<number>; stop: () => Promise<void> }> {
  const started = await startProcess(
    process.execPath, [`${ROOT}packages/fake-kube/bin/fake-kube.js`, ...(rbac ? ['--rbac', rbac] : [])], { PATH: process.env.PATH }, (line) => line.startsWith('{"url"'),
  );
  const kubeconfigPath = started.announcement.kubeconfigPath as string;
  const token = (parse(readFileSync(kubeconfigPath, 'utf8')) as { users: { user: { token: string } }[] }).users[0].user.token;
  const requests = async (suffix: string) => {
    const log = (await (await fetch(`${started.url}${REQUEST_LOG_PATH}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { byPath: Record<string, number> };
    return Object.entries(log.byPath).filter(([path]) => path.endsWith(suffix)).reduce((n, [, count]) => n + count, 0);
  };
  return { kubeconfigPath, requests, stop: () => stop(started.child) };
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * A fresh PostgreSQL database next to CATALOG_BENCH_DATABASE_URL (default the machine's
 * `postgres://postgres@127.0.0.1:5432/test`), dropped by `drop`.
 */
export function createBenchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  return createPostgresTestDatabase(process.env.CATALOG_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', 'catalog_bench');
}
