import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export type ReadText = (path: string) => string;

const readText: ReadText = (path) => readFileSync(path, 'utf8');

/**
 * CPUs this process may use: the CPUs it may run on, capped by a container's CPU limit. Node 20's
 * `availableParallelism()` (libuv 1.46) ignores the cgroup quota, so a pod limited to 1 CPU on a
 * 32-core node reads 32; libuv 1.49 and later read the quota the same way as here (rounded down,
 * at least 1). cgroup v2 `cpu.max` first, then the v1 CFS files; a container's own cgroup is the
 * root of its cgroup namespace, which is where both are read.
 */
export function availableCpus(read: ReadText = readText, cpus = availableParallelism()): number {
  const quota = cgroupCpuQuota(read);
  return quota === undefined ? cpus : Math.max(1, Math.min(cpus, Math.floor(quota)));
}

/** The CPU quota in CPUs, or undefined when there is none (or no cgroup file says so). */
export function cgroupCpuQuota(read: ReadText): number | undefined {
  const v2 = attempt(() => read('/sys/fs/cgroup/cpu.max'));
  if (v2 !== undefined) {
    const [max, period] = v2.trim().split(/\s+/);
    return max === 'max' ? undefined : ratio(max, period);
  }
  const quota = attempt(() => read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const period = attempt(() => read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  return quota === undefined || period === undefined ? undefined : ratio(quota.trim(), period.trim());
}

function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  // -1 is v1's "no limit"; anything unparsable is treated as no limit rather than a guess.
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : undefined;
}

function attempt(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
