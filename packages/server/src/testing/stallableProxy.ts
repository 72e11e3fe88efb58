import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder between one server process and PostgreSQL that a test can stall: while stalled no
 * byte moves in either direction and no close is passed on, as in a network partition; `resume()`
 * delivers what was held (including the closes), as when the partition heals.
 */
export class StallableProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private server: Server | undefined;
  private stalled = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<this> {
    this.server = createServer((client) => {
      const pair = { client, upstream: connect(this.target.port, this.target.host) };
      this.pairs.add(pair);
      const close = () => {
        this.pairs.delete(pair);
        client.destroy();
        pair.upstream.destroy();
      };
      for (const socket of [client, pair.upstream]) socket.on('error', close).on('close', close);
      if (this.stalled) hold(pair);
      else flow(pair);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** The DSN of `url` rewritten to go through this proxy. */
  dsn(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(this.port);
    return through.toString();
  }

  stall(): void {
    this.stalled = true;
    for (const pair of this.pairs) hold(pair);
  }

  resume(): void {
    this.stalled = false;
    for (const pair of this.pairs) flow(pair);
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

function flow({ client, upstream }: { client: Socket; upstream: Socket }): void {
  client.pipe(upstream);
  upstream.pipe(client);
}

/** Unpiped and paused, a socket reads nothing from the kernel: neither data nor the peer's FIN. */
function hold({ client, upstream }: { client: Socket; upstream: Socket }): void {
  client.unpipe(upstream);
  upstream.unpipe(client);
  client.pause();
  upstream.pause();
}
