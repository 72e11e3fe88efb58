import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPOSITORY_ROOT } from '../bundledPlugins.js';

// The tsx loader in this process, not the tsx CLI (which runs the server as a grandchild): a signal
// sent to `child` must reach the server itself.
const TSX_LOADER = pathToFileURL(join(REPOSITORY_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const MAIN = join(REPOSITORY_ROOT, 'packages/server/src/main.ts');

export interface ServerProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number>;
}

/** Runs the real bin (from source) with a clean environment plus `env`. */
export function runServerProcess(args: string[], env: Record<string, string> = {}): ServerProcess {
  const child = spawn(process.execPath, ['--conditions=source', `--import=${TSX_LOADER}`, MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // 'close', not 'exit': it comes after stdout and stderr have ended, so the last log lines are read.
  const exit = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return { child, stdout: () => out, stderr: () => err, exit };
}

export async function listeningUrl(r: ServerProcess, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = r.stdout().split('\n').find((l) => l.includes('"msg":"server listening"'));
    if (line) return (JSON.parse(line) as { url: string }).url;
    if (r.child.exitCode !== null) throw new Error(`exited ${r.child.exitCode}: ${r.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('server did not log "server listening"');
}

export async function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/readyz`).catch(() => undefined);
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('server never became ready');
}
