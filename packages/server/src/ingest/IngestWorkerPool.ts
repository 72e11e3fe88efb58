import { Worker } from 'node:worker_threads';
import type { RegisteredPlugin } from '../framework/PluginRegistry.js';
import type { PreparedEntity } from '../sources/applyEntities.js';
import { availableCpus } from './availableCpus.js';
import { ingestDocuments, IngestFailure, type IngestInput, type IngestOutput } from './ingestDocuments.js';
import type { IngestError } from './validateEntries.js';

/** One task for a worker: the plugin is named by the package it is imported from. */
export interface IngestRequest {
  id: number;
  module: string;
  plugin: string;
  input: IngestInput;
}

export type IngestWorkerMessage =
  | { id: number; type: 'entities'; kind: string; entities: PreparedEntity[] }
  | { id: number; type: 'done'; kinds: string[]; rejections: IngestError[]; rejectedCount: number }
  | { id: number; type: 'failed'; message: string; ingestFailure: boolean };

interface Task {
  request: IngestRequest;
  perKind: Map<string, PreparedEntity[]>;
  /** Settle the caller's promise and stop listening for its abort. */
  resolve: (output: IngestOutput) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  task?: Task;
}

/**
 * Runs ingest (parse, validate, digest, serialize; `ingestDocuments`) in worker threads, so a refresh
 * of a large source does not hold the request thread for hundreds of milliseconds. Workers start on
 * first use, one task at a time each, `size` at most; tasks wait in order. A worker that dies fails its
 * task and is replaced by the next one. An aborted task leaves the queue, or, when running, its
 * worker is stopped (and replaced on demand): a canceled refresh of a large source does not hold a
 * worker to the end. Plugins are loaded in the worker from their package (`moduleOf`); a declaration
 * without a package (one built in code, as tests do) is ingested on the calling thread instead, with
 * the same function (not abortable: the caller checks its signal afterwards).
 */
export class IngestWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private defaultSize?: number;

  constructor(
    private readonly options: {
      moduleOf: (plugin: RegisteredPlugin) => string | undefined;
      /** Default: one less than the available CPUs (a container's CPU limit counts), between 1 and 4. */
      size?: number;
    },
  ) {}

  get size(): number {
    return this.options.size ?? (this.defaultSize ??= Math.max(1, Math.min(4, availableCpus() - 1)));
  }

  ingest(plugin: RegisteredPlugin, input: IngestInput, signal?: AbortSignal): Promise<IngestOutput> {
    const module = this.options.moduleOf(plugin);
    if (module === undefined) return Promise.resolve().then(() => ingestDocuments(plugin.kinds, input));
    if (this.closed) return Promise.reject(new Error('the ingest worker pool is closed'));
    if (signal?.aborted) return Promise.reject(new Error('ingest aborted'));
    return new Promise((resolve, reject) => {
      const onAbort = () => this.abort(task);
      const settled = () => signal?.removeEventListener('abort', onAbort);
      const task: Task = {
        request: { id: this.nextId++, module, plugin: plugin.name, input },
        perKind: new Map(),
        resolve: (output) => {
          settled();
          resolve(output);
        },
        reject: (error) => {
          settled();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Stops every worker; queued and running tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the ingest worker pool is closed'));
    await Promise.all(this.slots.splice(0).map((slot) => {
      slot.task?.reject(new Error('the ingest worker pool is closed'));
      return slot.worker.terminate();
    }));
  }

  /** A queued task leaves the queue; a running one stops its worker, which the next task replaces. */
  private abort(task: Task): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = this.slots.find((s) => s.task === task);
    if (slot) {
      // Out of the pool first, so neither its last messages nor its exit touch another task.
      this.slots.splice(this.slots.indexOf(slot), 1);
      slot.task = undefined;
      void slot.worker.terminate();
    }
    task.reject(new Error('ingest aborted'));
    this.dispatch();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.task === undefined) ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (!slot) return;
      slot.task = this.queue.shift()!;
      slot.worker.ref();
      slot.worker.postMessage(slot.task.request);
    }
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startWorker() };
    const { worker } = slot;
    // An idle worker does not keep the process alive.
    worker.unref();
    worker.on('message', (message: IngestWorkerMessage) => {
      const task = slot.task;
      if (!task || task.request.id !== message.id) return;
      if (message.type === 'entities') {
        const list = task.perKind.get(message.kind);
        if (list) list.push(...message.entities);
        else task.perKind.set(message.kind, message.entities);
        return;
      }
      this.release(slot);
      if (message.type === 'failed') {
        task.reject(message.ingestFailure ? new IngestFailure(message.message) : new Error(`ingest worker: ${message.message}`));
      } else {
        task.resolve({
          perKind: message.kinds.map((kind) => [kind, task.perKind.get(kind) ?? []]),
          rejections: message.rejections,
          rejectedCount: message.rejectedCount,
        });
      }
    });
    const fail = (error: Error) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.slots.splice(index, 1);
      slot.task?.reject(new Error(`ingest worker stopped: ${error.message}`));
      slot.task = undefined;
      this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private release(slot: Slot): void {
    slot.task = undefined;
    slot.worker.unref();
    this.dispatch();
  }
}

/**
 * The worker runs the compiled `ingestWorker.js`. When the server itself runs from TypeScript sources
 * (tests, through tsx), a worker thread does not inherit tsx's loader, so it registers it first.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./ingestWorker.js', import.meta.url));
  const loader = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./ingestWorker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
}
