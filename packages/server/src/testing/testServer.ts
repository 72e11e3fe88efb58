import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { PluginDeclaration } from '@catalog/framework';
import { loadBundledPlugins, REPOSITORY_ROOT, SERVER_VERSION } from '../bundledPlugins.js';
import { parseServerConfig } from '../config/parseServerConfig.js';
import type { Kysely } from 'kysely';
import { migrateDatabase, openDatabase } from '../db/openDatabase.js';
import type { Database } from '../db/schema.js';
import { startServer, type RunningServer, type StartOptions } from '../startServer.js';
import { createPostgresTestDatabase, type TestDatabaseKind } from './databases.js';
import { sharedIngestPool } from './sharedIngestPool.js';

export interface TestServerOptions {
  kind: TestDatabaseKind;
  /** Files written into a fresh directory; `sources.yaml` there is the `--sources` file. */
  files?: Record<string, string>;
  /** Extra command-line flags. */
  args?: string[];
  /**
   * Environment variables of the server (nothing is inherited from the test process). A given
   * `DATABASE_DSN` (postgres) or `--data-dir` argument (pglite) is used as is and outlives the server,
   * so a test can restart a server on the same database.
   */
  env?: Record<string, string>;
  /** An existing PostgreSQL database to share with other servers (kind `postgres`); it is not dropped on close. */
  databaseUrl?: string;
  /** Plugins to serve; the bundled ones by default. */
  plugins?: PluginDeclaration[];
  /** Test seams of the server (scripted authorizer, failing audit insert). */
  overrides?: StartOptions['overrides'];
  /** Whether the server runs the singleton tasks and reconcile writes; its elector decides by default. */
  leadership?: StartOptions['leadership'];
  /** Writes into the migrated database before the server starts (PGlite then lives in a temp dir). */
  prepare?: (db: Kysely<Database>) => Promise<void>;
}

export interface TestServer {
  readonly server: RunningServer;
  readonly dir: string;
  /** Every log line the server wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  inject: RunningServer['app']['inject'];
  close(): Promise<void>;
}

/**
 * Starts a real server (listening on a free loopback port) against a fresh database of the given
 * kind and waits until the initial load is done. HTTP tests drive it through `inject()`.
 */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-test-'));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const sourcesPath = options.files?.['sources.yaml'] !== undefined ? join(dir, 'sources.yaml') : join(REPOSITORY_ROOT, 'config', 'sources.yaml');
  let dropDatabase: (() => Promise<void>) | undefined;
  const env: Record<string, string> = { ...options.env };
  // A given databaseUrl or DATABASE_DSN reuses that database (shared, or a restart on the same data); otherwise a fresh one.
  if (options.kind === 'postgres' && options.databaseUrl) {
    env.DATABASE_DSN = options.databaseUrl;
  } else if (options.kind === 'postgres' && options.env?.DATABASE_DSN === undefined) {
    const created = await createPostgresTestDatabase();
    env.DATABASE_DSN = created.url;
    dropDatabase = created.drop;
  }
  const dataDir = options.prepare ? join(dir, 'data') : 'memory://';
  const ownDataDir = options.args?.some((a) => a.startsWith('--data-dir'));
  if (options.prepare) {
    const quiet = { info: () => undefined, warn: () => undefined };
    const database = await openDatabase(
      options.kind === 'pglite' ? { type: 'pglite', dataDir } : { type: 'postgres', connection: { connectionString: env.DATABASE_DSN }, connectTimeoutSeconds: 5 },
      quiet,
    );
    try {
      await migrateDatabase(database, { lockEnabled: false, lockBackend: 'advisory', lockTimeoutSeconds: 60, log: quiet });
      await options.prepare(database.db);
    } finally {
      await database.close();
    }
  }
  const args = ['--listen=127.0.0.1:0', `--sources=${sourcesPath}`, '--log-level=info', ...(options.kind === 'pglite' && !ownDataDir ? [`--data-dir=${dataDir}`] : []), ...(options.args ?? [])];
  const parsed = parseServerConfig(args, env, { defaults: { sourcesPath, uiDir: join(dir, 'ui'), version: SERVER_VERSION } });
  if (parsed.kind !== 'run') throw new Error(`unexpected ${parsed.kind}`);

  const logs: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  let server: RunningServer | undefined;
  try {
    server = await startServer({
      config: parsed.config,
      plugins: options.plugins ?? (await loadBundledPlugins()),
      version: SERVER_VERSION,
      logStream,
      overrides: { ingest: sharedIngestPool(), ...options.overrides },
      ...(options.leadership ? { leadership: options.leadership } : {}),
    });
    await server.started;
    await server.initialLoad;
  } catch (error) {
    // A startup that fails before startServer returns (building the app) leaves no server to close.
    await server?.close();
    await dropDatabase?.();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const running = server;
  return {
    server: running,
    dir,
    logs,
    inject: running.app.inject.bind(running.app),
    close: async () => {
      await running.close();
      await dropDatabase?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
