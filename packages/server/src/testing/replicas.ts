import { listeningUrl, type ServerProcess } from './serverProcess.js';

/** One real server process of a multi-replica test (spec 05 §11 #51–#54). */
export interface Replica {
  pod: string;
  process: ServerProcess;
  url: string;
}

export interface LeaderElectionStatus {
  status: string;
  details?: string;
}

/**
 * Starts every replica at once (they race for the migration lock) and waits for their listeners.
 * Each process is added to `spawned` as it starts, so the caller can stop them even when this fails.
 * The wait is generous: several processes loading the server from source on a busy machine.
 */
export async function startReplicas(pods: string[], start: (pod: string) => ServerProcess, spawned: ServerProcess[]): Promise<Replica[]> {
  const started = pods.map((pod) => {
    const process = start(pod);
    spawned.push(process);
    return { pod, process };
  });
  return Promise.all(started.map(async ({ pod, process }) => ({ pod, process, url: await listeningUrl(process, 180_000) })));
}

/** SIGTERM to those still running, then waits for every exit. */
export async function stopProcesses(processes: readonly ServerProcess[]): Promise<void> {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exit));
}

export async function leaderElectionOf(replica: Replica): Promise<LeaderElectionStatus> {
  const readyz = (await (await fetch(`${replica.url}/readyz`)).json()) as { components: { leader_election: LeaderElectionStatus } };
  return readyz.components.leader_election;
}

/** The value of an unlabelled sample in the replica's `/metrics`. */
export async function metricOf(replica: Replica, name: string): Promise<number> {
  const metrics = await (await fetch(`${replica.url}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${replica.pod} has no metric ${name}`);
  return Number(line.split(' ')[1]);
}

/** Polls `/readyz` of `replicas` until one reports `leader`; returns it and how long that took. */
export async function awaitLeader(replicas: readonly Replica[], timeoutMs: number): Promise<{ leader: Replica; tookMs: number }> {
  const started = Date.now();
  for (;;) {
    const states = await Promise.all(replicas.map(leaderElectionOf));
    const leaders = replicas.filter((_, i) => states[i].status === 'leader');
    if (leaders.length > 1) throw new Error(`${leaders.length} leaders at once: ${leaders.map((r) => r.pod).join(', ')}`);
    if (leaders.length === 1) return { leader: leaders[0], tookMs: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`no leader within ${timeoutMs} ms: ${JSON.stringify(states)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls until `condition` holds; returns how long that took. */
export async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

/** The JSON log lines of a replica's stdout with the given message. */
export function logLines(replica: Replica, msg: string): Record<string, unknown>[] {
  return replica.process.stdout().split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
}
