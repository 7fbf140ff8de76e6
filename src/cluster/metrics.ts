import type { KubeConfig } from '@kubernetes/client-node';
import { KubeRequestError, kubeRequest } from './request.js';
import { parseQuantity } from './summaries.js';

/** metrics-server scrapes every 15 s by default: polling faster shows nothing new. */
export const METRICS_POLL_MS = 15_000;
/** Without metrics-server, look again now and then: it may be installed while Kubedesk runs. */
export const METRICS_PROBE_MS = 60_000;

interface NodeMetricsList {
  items: { metadata: { name: string }; usage: { cpu?: string; memory?: string } }[];
}

export interface NodeUsage {
  cpuMillis: number | null;
  memoryBytes: number | null;
}

/**
 * Node usage from metrics.k8s.io, where metrics-server runs. Where it does not, usage stays
 * unknown: the view shows "unknown", never an invented figure.
 */
export class MetricsPoller {
  private readings = new Map<string, NodeUsage>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private available = false;
  private stopped = false;

  constructor(
    private readonly config: KubeConfig,
    private readonly events: { onChange(nodes: string[]): void; onAvailability(available: boolean): void },
  ) {}

  usage(node: string): NodeUsage | undefined {
    return this.readings.get(node);
  }

  start(): void {
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    let next = METRICS_POLL_MS;
    try {
      const list = await kubeRequest<NodeMetricsList>(this.config, { path: '/apis/metrics.k8s.io/v1beta1/nodes' });
      const changed: string[] = [];
      const seen = new Set<string>();
      for (const item of list.items) {
        const cpu = parseQuantity(item.usage.cpu);
        const memory = parseQuantity(item.usage.memory);
        const usage = { cpuMillis: cpu === null ? null : Math.round(cpu * 1000), memoryBytes: memory };
        const previous = this.readings.get(item.metadata.name);
        seen.add(item.metadata.name);
        if (previous?.cpuMillis !== usage.cpuMillis || previous?.memoryBytes !== usage.memoryBytes) {
          this.readings.set(item.metadata.name, usage);
          changed.push(item.metadata.name);
        }
      }
      for (const name of this.readings.keys()) {
        if (!seen.has(name)) {
          this.readings.delete(name);
          changed.push(name);
        }
      }
      this.setAvailable(true);
      if (changed.length > 0) {
        this.events.onChange(changed);
      }
    } catch (error) {
      if (error instanceof KubeRequestError && (error.status === 404 || error.status === 503 || error.status === 403)) {
        next = METRICS_PROBE_MS;
      }
      const names = [...this.readings.keys()];
      this.readings.clear();
      this.setAvailable(false);
      if (names.length > 0) {
        this.events.onChange(names);
      }
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.poll(), next);
      this.timer.unref();
    }
  }

  private setAvailable(available: boolean): void {
    if (available !== this.available) {
      this.available = available;
      this.events.onAvailability(available);
    }
  }
}
