/**
 * Which node sits on which HDMI input, audio input and power port: the `kubedesk-hardware`
 * ConfigMap in `kubedesk-system`, key `config.yaml`:
 *
 *   nodes:
 *     pi-1: { hdmi: "1", audio: "1", power: "1" }
 *     pi-2: { hdmi: "2", audio: "2", power: "2", cec: "2.0.0.0" }
 *   hotplug: auto        # auto | follow | ignore
 *
 * Every field is optional; a node without `hdmi` cannot be put on the screen by the switch.
 * `hotplug: auto` follows the HDMI hotplug label when there is no HDMI switch.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { hardwareNameSchema, type DisplayNode, type Disposable } from '../contract/index.js';
import { Informer, type KubeObject } from '../cluster/index.js';
import { describeIssues } from '../rpc/index.js';

export const HARDWARE_MAP_NAMESPACE = 'kubedesk-system';
export const HARDWARE_MAP_NAME = 'kubedesk-hardware';
export const HARDWARE_MAP_KEY = 'config.yaml';

const nodeEntrySchema = z.strictObject({
  hdmi: hardwareNameSchema.optional(),
  audio: hardwareNameSchema.optional(),
  power: hardwareNameSchema.optional(),
  cec: z
    .string()
    .regex(/^[0-9a-f]\.[0-9a-f]\.[0-9a-f]\.[0-9a-f]$/i, 'a physical address like 2.0.0.0')
    .optional(),
});

export const hardwareMapSchema = z.strictObject({
  nodes: z.record(z.string().min(1).max(253), nodeEntrySchema).default({}),
  hotplug: z.enum(['auto', 'follow', 'ignore']).default('auto'),
});

export interface HardwareMap {
  nodes: Map<string, DisplayNode>;
  hotplug: 'auto' | 'follow' | 'ignore';
  /** What is wrong with the ConfigMap; the map is then empty. */
  error: string | null;
}

export const EMPTY_MAP: HardwareMap = { nodes: new Map(), hotplug: 'auto', error: null };

const collator = new Intl.Collator(undefined, { numeric: true });

/** Parses the ConfigMap's text; a bad one gives an empty map and an error naming the field. */
export function parseHardwareMap(text: string | undefined): HardwareMap {
  if (text === undefined) {
    return EMPTY_MAP;
  }
  let document: unknown;
  try {
    document = parseYaml(text) ?? {};
  } catch (error) {
    return {
      ...EMPTY_MAP,
      error: `${HARDWARE_MAP_NAME}: ${HARDWARE_MAP_KEY} is not YAML: ${(error as Error).message}`,
    };
  }
  const parsed = hardwareMapSchema.safeParse(document);
  if (!parsed.success) {
    return { ...EMPTY_MAP, error: `${HARDWARE_MAP_NAME}: ${describeIssues(parsed.error, HARDWARE_MAP_KEY)}` };
  }
  const names = Object.keys(parsed.data.nodes).sort(collator.compare);
  const nodes = new Map<string, DisplayNode>(
    names.map((name) => {
      const entry = parsed.data.nodes[name]!;
      return [
        name,
        {
          name,
          hdmi: entry.hdmi ?? null,
          audio: entry.audio ?? null,
          power: entry.power ?? null,
          cec: entry.cec ?? null,
        },
      ];
    }),
  );
  return { nodes, hotplug: parsed.data.hotplug, error: null };
}

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

/** Follows the ConfigMap with one watch; listeners hear every change. */
export class HardwareMapWatcher {
  private informer: Informer<HardwareMap> | undefined;
  private listeners = new Set<(map: HardwareMap) => void>();
  current: HardwareMap = EMPTY_MAP;

  start(config: KubeConfig): void {
    if (this.informer) {
      return;
    }
    this.informer = new Informer<HardwareMap>({
      config,
      path: `/api/v1/namespaces/${HARDWARE_MAP_NAMESPACE}/configmaps`,
      fieldSelector: `metadata.name=${HARDWARE_MAP_NAME}`,
      transform: (object) => parseHardwareMap((object as ConfigMapObject).data?.[HARDWARE_MAP_KEY]),
    });
    this.informer.onChange(() => {
      this.current = this.informer?.items.get(`${HARDWARE_MAP_NAMESPACE}/${HARDWARE_MAP_NAME}`) ?? EMPTY_MAP;
      for (const listener of [...this.listeners]) {
        listener(this.current);
      }
    });
    this.informer.start();
  }

  /** Resolves once the first list is in (at once when not started: nothing to wait for). */
  async synced(): Promise<void> {
    await this.informer?.whenSynced();
  }

  onChange(listener: (map: HardwareMap) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  stop(): void {
    this.informer?.stop();
    this.listeners.clear();
  }
}
