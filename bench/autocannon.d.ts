// The subset of autocannon's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  interface Result {
    requests: { average: number };
    non2xx: number;
  }
  type Instance = EventEmitter & PromiseLike<Result>;
  interface Request { method?: string; path?: string; headers?: Record<string, string> }
  function autocannon(options: {
    url: string; connections: number; duration: number; headers?: Record<string, string>;
    requests?: (Request & { setupRequest?: (request: Request) => Request })[];
  }): Instance;
  export default autocannon;
}
