#!/usr/bin/env node
import { join } from 'node:path';
import { loadBundledPlugins, REPOSITORY_ROOT, SERVER_VERSION } from './bundledPlugins.js';
import { parseServerConfig } from './config/parseServerConfig.js';
import { startServer } from './startServer.js';

const SECOND_SIGNAL_EXIT_CODE = 130;

/** The `catalog-server` bin: parse flags and environment, start, and shut down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<number> {
  const version = SERVER_VERSION;
  let parsed;
  try {
    parsed = parseServerConfig(process.argv.slice(2), process.env, {
      defaults: {
        sourcesPath: join(REPOSITORY_ROOT, 'config', 'sources.yaml'),
        uiDir: join(REPOSITORY_ROOT, 'packages', 'ui', 'dist'),
        version,
      },
    });
  } catch (error) {
    process.stderr.write(`catalog-server: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
  if (parsed.kind !== 'run') {
    process.stdout.write(`${parsed.text}\n`);
    return 0;
  }

  let server;
  try {
    server = await startServer({ config: parsed.config, plugins: await loadBundledPlugins(), version });
    for (const warning of parsed.warnings) server.logger.warn(warning);
    await server.started;
  } catch (error) {
    process.stderr.write(`catalog-server: ${(error as Error).message}\n`);
    await server?.close().catch(() => undefined);
    return exitCodeOf(error);
  }

  const running = server;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        resolve(SECOND_SIGNAL_EXIT_CODE);
        return;
      }
      stopping = true;
      running.logger.info({ signal }, 'shutting down');
      running.close().then(
        () => resolve(0),
        (error: Error) => {
          running.logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

function exitCodeOf(error: unknown): number {
  const code = (error as { exitCode?: unknown }).exitCode;
  return typeof code === 'number' ? code : 1;
}

process.exitCode = await main();
// Open handles (idle sockets, timers of libraries) must not keep a stopped server alive.
setTimeout(() => process.exit(process.exitCode), 100).unref();
