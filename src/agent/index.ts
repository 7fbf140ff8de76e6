import type { KubeConfig } from '@kubernetes/client-node';
import {
  ANNOTATION_MODEL,
  ANNOTATION_TEMPERATURE,
  ANNOTATION_THROTTLED,
  kubeRequest,
  LABEL_HDMI,
} from '../cluster/index.js';
import { startHdmiLabeler, type HdmiLabeler } from './hdmi-labeler.js';
import { udevadmSource, type HotplugSource } from './hotplug.js';
import { ReportPolicy, type Readings } from './reporter.js';
import { readModel, readTemperature, readThrottled } from './sensors.js';

export { REFRESH_MS, ReportPolicy, TEMPERATURE_STEP_CELSIUS } from './reporter.js';
export { readModel, readTemperature, readThrottled } from './sensors.js';
export { HOTPLUG_POLL_MS, HOTPLUG_SETTLE_MS, startHdmiLabeler, type HdmiLabeler } from './hdmi-labeler.js';
export { parseUdevLine, readHdmi, udevadmSource, type HdmiState, type HotplugSource } from './hotplug.js';

/** How often the sensors are read; writes are rarer (see ReportPolicy). */
export const READ_INTERVAL_MS = 5_000;

export interface AgentOptions {
  config: KubeConfig;
  nodeName: string;
  sysfsRoot?: string;
  procRoot?: string;
  /** `vcgencmd` by default; tests pass a script or a missing command. */
  vcgencmd?: string;
  readIntervalMs?: number;
  log?: (line: string) => void;
  /** Where HDMI hotplug events come from: udev by default; tests inject their own. */
  hotplug?: HotplugSource;
  /** How often the HDMI connectors are read without an event (default 30 s). */
  hotplugPollMs?: number;
}

export interface Agent {
  /** Annotation patches written so far. */
  writes(): number;
  /** The HDMI hotplug label's writer (its own count and value). */
  hdmi: HdmiLabeler;
  stop(): void;
}

/** The annotations to merge into the node; `null` removes one whose sensor is gone. */
export function annotationsFor(readings: Readings): Record<string, string | null> {
  return {
    [ANNOTATION_TEMPERATURE]: readings.temperatureCelsius === null ? null : readings.temperatureCelsius.toFixed(1),
    [ANNOTATION_THROTTLED]: readings.throttled,
    [ANNOTATION_MODEL]: readings.model,
  };
}

/**
 * The node agent's health part: reads temperature, throttling and the board model, and writes
 * them as annotations of its own node at a bounded rate. Its ServiceAccount may only patch nodes.
 */
export function startAgent(options: AgentOptions): Agent {
  const log = options.log ?? (() => undefined);
  const policy = new ReportPolicy();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writes = 0;
  let lastError = '';

  async function tick(): Promise<void> {
    const [temperatureCelsius, throttled, model] = await Promise.all([
      readTemperature(options.sysfsRoot ?? '/sys'),
      readThrottled(options.vcgencmd),
      readModel(options.procRoot ?? '/proc'),
    ]);
    const readings = { temperatureCelsius, throttled, model };
    const now = Date.now();
    if (!policy.due(readings, now)) {
      return;
    }
    try {
      await kubeRequest(options.config, {
        method: 'PATCH',
        path: `/api/v1/nodes/${encodeURIComponent(options.nodeName)}`,
        body: { metadata: { annotations: annotationsFor(readings) } },
      });
      policy.wrote(readings, now);
      writes++;
      if (lastError) {
        log('node patch works again');
        lastError = '';
      }
    } catch (error) {
      // Not marked as written: the next tick tries again.
      const message = (error as Error).message;
      if (message !== lastError) {
        log(`cannot annotate node ${options.nodeName}: ${message}`);
        lastError = message;
      }
    }
  }

  async function loop(): Promise<void> {
    if (stopped) {
      return;
    }
    await tick();
    if (!stopped) {
      timer = setTimeout(() => void loop(), options.readIntervalMs ?? READ_INTERVAL_MS);
    }
  }

  const hdmi = startHdmiLabeler({
    sysfsRoot: options.sysfsRoot ?? '/sys',
    source: options.hotplug ?? udevadmSource(),
    ...(options.hotplugPollMs !== undefined ? { pollMs: options.hotplugPollMs } : {}),
    log,
    write: (value) =>
      kubeRequest(options.config, {
        method: 'PATCH',
        path: `/api/v1/nodes/${encodeURIComponent(options.nodeName)}`,
        body: { metadata: { labels: { [LABEL_HDMI]: value } } },
      }),
  });

  void loop();
  return {
    writes: () => writes,
    hdmi,
    stop() {
      stopped = true;
      clearTimeout(timer);
      hdmi.stop();
    },
  };
}
