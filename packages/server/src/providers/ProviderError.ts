/** A document-level failure of a provider: the refresh fails and the previous data is kept. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly position?: { line?: number; column?: number },
    /** A transient fault (network, timeout, remote 5xx or 429) that an async job retries (spec 05 §5.5). */
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
