import { SERVER_VERSION } from '../bundledPlugins.js';
import { HfClient } from './hfClient.js';
import type { HfSettings } from './hfSettings.js';
import { ProviderError } from './ProviderError.js';
import type { SecretResolver } from './secretRefs.js';
import { hasControlCharacter } from './sourceProperties.js';

/** What talking to the hub needs, for refreshes and previews alike. */
export interface HfAccessOptions {
  resolveSecret: SecretResolver;
  /** Where `apiKeyEnvVar` is looked up (the process environment in production). */
  env: Readonly<Record<string, string | undefined>>;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Defaults to `catalog-server/<version>`. */
  userAgent?: string;
  /** Backoff jitter source; tests pass `() => 0`. */
  random?: () => number;
}

/**
 * 03 §14.2: `apiKey` (resolved in `namespace`) else the variable named by `apiKeyEnvVar`; a token
 * without the `hf_` prefix is not sent and the source works anonymously. `logContext` identifies
 * the source in the warning, which never holds the value.
 */
export async function resolveHfToken(settings: HfSettings, namespace: string, options: HfAccessOptions, logContext: object): Promise<string | undefined> {
  const token = settings.apiKey !== undefined
    ? await options.resolveSecret(settings.apiKey, { property: 'apiKey', namespace })
    : options.env[settings.apiKeyEnvVar];
  if (token === undefined || token === '') return undefined;
  const from = settings.apiKey !== undefined ? 'apiKey' : settings.apiKeyEnvVar;
  if (!token.startsWith('hf_')) {
    options.log.warn({ ...logContext, tokenFrom: from }, 'Hugging Face token does not start with "hf_"; it is not sent and only public models are fetched');
    return undefined;
  }
  if (hasControlCharacter(token)) throw new ProviderError(`the Hugging Face token from ${from} contains control characters`);
  return token;
}

export function openHfClient(settings: HfSettings, token: string | undefined, options: HfAccessOptions, signal: AbortSignal | undefined): HfClient {
  return new HfClient({
    origin: settings.origin,
    ...(token !== undefined && { token }),
    userAgent: options.userAgent ?? `catalog-server/${SERVER_VERSION}`,
    concurrency: settings.concurrency,
    maxRequestsPerMinute: settings.maxRequestsPerMinute,
    requestTimeoutSeconds: settings.requestTimeoutSeconds,
    maxRetries: settings.maxRetries,
    ...(signal !== undefined && { signal }),
    ...(options.random !== undefined && { random: options.random }),
  });
}
