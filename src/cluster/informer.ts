import type { KubeConfig } from '@kubernetes/client-node';
import { createInterface } from 'node:readline';
import { errorFrom, KubeRequestError, kubeRequest, openKubeRequest } from './request.js';

/** The part of every Kubernetes object an informer needs. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
}

interface KubeList {
  metadata: { resourceVersion: string; continue?: string };
  items: KubeObject[];
}

export type InformerState = 'starting' | 'live' | 'retrying';

export interface InformerChange<T> {
  upserts: Map<string, T>;
  removals: Set<string>;
}

export interface InformerOptions<T> {
  config: KubeConfig;
  /** Collection path, e.g. `/api/v1/nodes`, `/api/v1/pods`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Keeps only what the views need, so 10,000 pods do not cost 10,000 full objects. */
  transform(object: KubeObject): T;
}

/**
 * Page size of the initial list: what kubectl uses. Small pages keep the apiserver's and our
 * memory flat; 10,000 pods are 20 pages.
 */
export const LIST_PAGE_SIZE = 500;
/** The server ends a watch after this, and the informer resumes it from the last version. */
export const WATCH_TIMEOUT_SECONDS = 300;
/**
 * Bookmarks arrive about once a minute; silence much longer than that means a dead connection
 * that TCP has not noticed (a Pi that lost power mid-stream).
 */
export const WATCH_SILENCE_MS = 90_000;
export const RETRY_FIRST_DELAY_MS = 500;
export const RETRY_MAX_DELAY_MS = 10_000;

export function objectKey(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}

function withQuery(path: string, query: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') {
      search.set(key, value);
    }
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

class Gone extends Error {}

/**
 * A list-then-watch cache of one resource and selector. It resumes watches from the last
 * resourceVersion (kept fresh by bookmarks), relists after 410 Gone, retries with backoff after
 * errors, and reports a relist as the difference to what it had, so subscribers never see a
 * node twice or lose one across an apiserver restart.
 */
export class Informer<T> {
  readonly items = new Map<string, T>();
  state: InformerState = 'starting';
  /** The last error while not live, for the status bar. */
  lastError = '';
  private resourceVersion = '';
  private stopped = false;
  private abort: AbortController | undefined;
  private changeListeners = new Set<(change: InformerChange<T>) => void>();
  private stateListeners = new Set<(state: InformerState) => void>();
  private synced = false;
  private syncWaiters: (() => void)[] = [];

  constructor(private readonly options: InformerOptions<T>) {}

  onChange(listener: (change: InformerChange<T>) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onState(listener: (state: InformerState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Resolves once the first list is in. */
  whenSynced(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private setState(state: InformerState, error = ''): void {
    this.lastError = error;
    if (this.state !== state) {
      this.state = state;
      for (const listener of [...this.stateListeners]) {
        listener(state);
      }
    }
  }

  private emit(change: InformerChange<T>): void {
    if (change.upserts.size === 0 && change.removals.size === 0) {
      return;
    }
    for (const listener of [...this.changeListeners]) {
      listener(change);
    }
  }

  private async run(): Promise<void> {
    let delay = RETRY_FIRST_DELAY_MS;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) {
          await this.relist();
        }
        this.setState('live');
        delay = RETRY_FIRST_DELAY_MS;
        await this.watch();
      } catch (error) {
        if (this.stopped) {
          return;
        }
        if (error instanceof Gone) {
          // Our version is older than etcd keeps: list again, no pause needed.
          this.resourceVersion = '';
          continue;
        }
        this.setState('retrying', (error as Error).message);
        await new Promise((resolve) => setTimeout(resolve, delay * (0.8 + 0.4 * Math.random())));
        delay = Math.min(RETRY_MAX_DELAY_MS, delay * 2);
      }
    }
  }

  private async relist(): Promise<void> {
    const fresh = new Map<string, T>();
    let next: string | undefined;
    let version: string;
    do {
      this.abort = new AbortController();
      const page = await kubeRequest<KubeList>(this.options.config, {
        path: withQuery(this.options.path, {
          limit: String(LIST_PAGE_SIZE),
          continue: next,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        }),
        signal: this.abort.signal,
      }).catch((error: unknown) => {
        if (error instanceof KubeRequestError && error.status === 410) {
          // The continue token expired mid-list: start the list over.
          throw new Gone();
        }
        throw error;
      });
      for (const item of page.items) {
        fresh.set(objectKey(item), this.options.transform(item));
      }
      next = page.metadata.continue || undefined;
      version = page.metadata.resourceVersion;
    } while (next);

    const removals = new Set<string>();
    for (const key of this.items.keys()) {
      if (!fresh.has(key)) {
        removals.add(key);
        this.items.delete(key);
      }
    }
    for (const [key, value] of fresh) {
      this.items.set(key, value);
    }
    this.resourceVersion = version;
    this.emit({ upserts: fresh, removals });
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) {
        resolve();
      }
    }
  }

  private async watch(): Promise<void> {
    this.abort = new AbortController();
    const response = await openKubeRequest(this.options.config, {
      path: withQuery(this.options.path, {
        watch: '1',
        allowWatchBookmarks: 'true',
        resourceVersion: this.resourceVersion,
        timeoutSeconds: String(WATCH_TIMEOUT_SECONDS),
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
      }),
      signal: this.abort.signal,
    });
    if (response.statusCode === 410) {
      response.resume();
      throw new Gone();
    }
    if ((response.statusCode ?? 0) >= 300) {
      throw await errorFrom(response, `watch ${this.options.path}`);
    }
    response.setEncoding('utf8');
    let silence = setTimeout(() => response.destroy(new Error('watch went silent')), WATCH_SILENCE_MS);
    const lines = createInterface({ input: response, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        clearTimeout(silence);
        silence = setTimeout(() => response.destroy(new Error('watch went silent')), WATCH_SILENCE_MS);
        if (line.trim() !== '') {
          this.handle(JSON.parse(line) as { type: string; object: KubeObject & { code?: number; message?: string } });
        }
      }
    } finally {
      clearTimeout(silence);
      lines.close();
    }
    if (!response.complete && !this.stopped) {
      throw new KubeRequestError(`watch ${this.options.path}: connection lost`, 0);
    }
  }

  private handle(event: { type: string; object: KubeObject & { code?: number; message?: string } }): void {
    const { type, object } = event;
    if (type === 'ERROR') {
      if (object.code === 410) {
        throw new Gone();
      }
      throw new KubeRequestError(`watch ${this.options.path}: ${object.message ?? 'error'}`, object.code ?? 0);
    }
    if (object.metadata?.resourceVersion) {
      this.resourceVersion = object.metadata.resourceVersion;
    }
    if (type === 'BOOKMARK') {
      return;
    }
    const key = objectKey(object);
    if (type === 'DELETED') {
      if (this.items.delete(key)) {
        this.emit({ upserts: new Map(), removals: new Set([key]) });
      }
      return;
    }
    const value = this.options.transform(object);
    this.items.set(key, value);
    this.emit({ upserts: new Map([[key, value]]), removals: new Set() });
  }
}

export interface InformerPoolEntry<T> {
  informer: Informer<T>;
  release(): void;
}

/**
 * One informer per (resource, selector), shared by every subscriber and stopped when the last
 * one leaves.
 */
export class InformerPool {
  private entries = new Map<string, { informer: Informer<unknown>; count: number }>();

  constructor(private readonly config: KubeConfig) {}

  acquire<T>(key: string, options: Omit<InformerOptions<T>, 'config'>): InformerPoolEntry<T> {
    const id = `${options.path}|${options.labelSelector ?? ''}|${options.fieldSelector ?? ''}|${key}`;
    let entry = this.entries.get(id);
    if (!entry) {
      const informer = new Informer<T>({ ...options, config: this.config });
      entry = { informer: informer as Informer<unknown>, count: 0 };
      this.entries.set(id, entry);
      informer.start();
    }
    entry.count++;
    let released = false;
    const shared = entry;
    return {
      informer: shared.informer as Informer<T>,
      release: () => {
        if (released) {
          return;
        }
        released = true;
        if (--shared.count === 0) {
          shared.informer.stop();
          this.entries.delete(id);
        }
      },
    };
  }

  /** How many informers run now (one per resource and selector, whatever the subscribers). */
  get size(): number {
    return this.entries.size;
  }

  stopAll(): void {
    for (const entry of this.entries.values()) {
      entry.informer.stop();
    }
    this.entries.clear();
  }
}
