import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/schema.js';

/** The cross-replica channels of spec 05 §7.1. */
export type NotificationChannel = 'catalog_cache_invalidate' | 'catalog_jobs' | 'catalog_config_changed';
export const NOTIFICATION_CHANNELS: readonly NotificationChannel[] = ['catalog_cache_invalidate', 'catalog_jobs', 'catalog_config_changed'];

export type NotificationHandler = (payload: Record<string, unknown>) => void;

/**
 * Publish/subscribe between replicas. Notifications only speed things up: TTLs, the job poll
 * interval and the reconcile interval bound every delay without them.
 */
export interface Notifications {
  /** This replica's identity; publishers put it in `origin` so receivers can skip their own messages. */
  readonly origin: string;
  /** False while the listen connection is down: caches must be bypassed then (05 §6). */
  readonly connected: boolean;
  /** Sends on `db` (pass the transaction of the change, so delivery happens only on commit). */
  publish(channel: NotificationChannel, payload: Record<string, unknown>, db?: Kysely<Database>): Promise<void>;
  subscribe(channel: NotificationChannel, handler: NotificationHandler): () => void;
  /** Called after the listen connection was re-established (notifications may have been missed). */
  onReconnect(handler: () => void): void;
  close(): Promise<void>;
}

/** PGlite serves one process: an in-process emitter with the same interface replaces LISTEN/NOTIFY. */
export class InProcessNotifications implements Notifications {
  readonly connected = true;
  private readonly emitter = new EventEmitter();

  constructor(readonly origin: string) {
    this.emitter.setMaxListeners(0);
  }

  async publish(channel: NotificationChannel, payload: Record<string, unknown>): Promise<void> {
    // Asynchronous like a real notification: the publisher's transaction has committed by then.
    setImmediate(() => this.emitter.emit(channel, payload));
  }

  subscribe(channel: NotificationChannel, handler: NotificationHandler): () => void {
    this.emitter.on(channel, handler);
    return () => this.emitter.off(channel, handler);
  }

  onReconnect(): void {}

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

/**
 * LISTEN on a dedicated `pg` client outside the pool (spec 05 §7.1); NOTIFY through `pg_notify` on
 * the caller's connection or transaction. The listener reconnects with backoff (1 s doubling to 30 s)
 * and tells `onReconnect` subscribers, who clear caches and wake workers.
 */
export class PostgresNotifications implements Notifications {
  private readonly emitter = new EventEmitter();
  private readonly reconnectHandlers: (() => void)[] = [];
  private client: pg.Client | undefined;
  private closed = false;
  private delayMs = RECONNECT_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private everConnected = false;
  connected = false;

  constructor(
    readonly origin: string,
    private readonly deps: { db: Kysely<Database>; connection: pg.ClientConfig; log: { warn: (o: object, m: string) => void; info: (o: object, m: string) => void } },
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Connects the listener; resolves after the first attempt (a failure is retried in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  async publish(channel: NotificationChannel, payload: Record<string, unknown>, db: Kysely<Database> = this.deps.db): Promise<void> {
    await sql`SELECT pg_notify(${channel}, ${JSON.stringify(payload)})`.execute(db);
  }

  subscribe(channel: NotificationChannel, handler: NotificationHandler): () => void {
    this.emitter.on(channel, handler);
    return () => this.emitter.off(channel, handler);
  }

  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
    this.emitter.removeAllListeners();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ ...this.deps.connection, connectionTimeoutMillis: 5_000 });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (!message.payload) return;
      try {
        this.emitter.emit(message.channel, JSON.parse(message.payload) as Record<string, unknown>);
      } catch {
        this.deps.log.warn({ channel: message.channel }, 'ignoring a malformed notification');
      }
    });
    try {
      await client.connect();
      for (const channel of NOTIFICATION_CHANNELS) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.deps.log.warn({ error: (error as Error).message, retryInMs: this.delayMs }, 'notification listener could not connect');
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.connected = true;
    this.delayMs = RECONNECT_MIN_MS;
    if (this.everConnected) {
      this.deps.log.info({}, 'notification listener reconnected');
      for (const handler of this.reconnectHandlers) handler();
    }
    this.everConnected = true;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.connected = false;
    client.end().catch(() => undefined);
    this.deps.log.warn({}, 'notification listener disconnected; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => void this.connect(), this.delayMs);
    this.retryTimer.unref();
    this.delayMs = Math.min(this.delayMs * 2, RECONNECT_MAX_MS);
  }
}
