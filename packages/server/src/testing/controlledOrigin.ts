import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP origin for `http` sources whose behaviour a test steers: serve `body`, fail the next
 * `failures` requests with 503, or hold responses until `release()`.
 */
export class ControlledOrigin {
  body = '';
  failures = 0;
  holding = false;
  readonly requestTimes: number[] = [];
  private held: (() => void)[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((_req, res) => {
      this.requestTimes.push(Date.now());
      const answer = () => {
        if (this.failures > 0) {
          this.failures--;
          res.writeHead(503).end('unavailable');
        } else {
          res.writeHead(200, { 'Content-Type': 'application/yaml' }).end(this.body);
        }
      };
      if (this.holding) this.held.push(answer);
      else answer();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/parts.yaml`;
    return this;
  }

  release(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const answer of held) answer();
  }

  async close(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
