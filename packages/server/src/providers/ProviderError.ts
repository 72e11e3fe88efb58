/** A document-level failure of a provider: the refresh fails and the previous data is kept. */
export class ProviderError extends Error {
  constructor(message: string, readonly position?: { line?: number; column?: number }) {
    super(message);
    this.name = 'ProviderError';
  }
}
