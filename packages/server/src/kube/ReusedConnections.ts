import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { Observable, type ObservableMiddleware } from '@kubernetes/client-node';

/**
 * An idle connection is closed after this long. Below the 5 s idle timeout of Node's own HTTP servers
 * (the test API server among them), so the client closes first and never sends on a connection the
 * server is closing; the Kubernetes API server keeps idle connections far longer.
 */
const IDLE_MS = 4_000;

/** The TLS material of an agent, which decides whether two calls may share a connection. */
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * Keep-alive connections to the Kubernetes API. `@kubernetes/client-node` 1.x builds a new agent,
 * with keep-alive off, for every call (kubernetes-client/javascript#2893), so each SubjectAccessReview,
 * Lease renewal and ConfigMap read would open a new TCP connection and, against a real API server, do
 * a full TLS handshake. The middleware swaps that per-call agent for a long-lived keep-alive one built
 * from the same options. A change of TLS material (a rotated client certificate) gets a new agent;
 * the old one is dropped, its calls in flight finish and its idle connections close on their timeout.
 */
export class ReusedConnections {
  /** Every call of one client uses the same kubeconfig, so one agent is current at a time. */
  private current?: { key: string; agent: HttpAgent };

  readonly middleware: ObservableMiddleware = {
    pre: (context) => {
      const fresh = context.getAgent();
      if (fresh) context.setAgent(this.agentLike(fresh));
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };

  /** Ends every pooled connection (server shutdown). */
  close(): void {
    this.current?.agent.destroy();
    this.current = undefined;
  }

  private agentLike(fresh: HttpAgent): HttpAgent {
    // Only plain agents are pooled; a proxy agent (kubeconfig proxy-url) is used as the client built it.
    if (fresh.constructor !== HttpsAgent && fresh.constructor !== HttpAgent) return fresh;
    const https = fresh.constructor === HttpsAgent;
    const options = (fresh as HttpAgent & { options: AgentOptions }).options;
    const key = JSON.stringify([https, ...TLS_KEYS.map((name) => material(options[name]))]);
    if (this.current?.key !== key) {
      const settings = { ...options, keepAlive: true, timeout: IDLE_MS };
      this.current = { key, agent: https ? new HttpsAgent(settings) : new HttpAgent(settings) };
    }
    fresh.destroy();
    return this.current.agent;
  }
}

/** A comparable form of a TLS option (buffers and strings by content). */
function material(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(material);
  return value ?? null;
}
