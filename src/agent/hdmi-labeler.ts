import { readHdmi, type HdmiState, type HotplugSource } from './hotplug.js';

/**
 * udev sends several events per plug (the connector, then the EDID read); the status file is
 * read once they have settled, and the label written once.
 */
export const HOTPLUG_SETTLE_MS = 250;
/**
 * Read again this often even without events: events are lost where the agent cannot reach udev
 * (no host network, no /run/udev), and a label that is 30 s late is better than a wrong one.
 */
export const HOTPLUG_POLL_MS = 30_000;
export const WRITE_RETRY_FIRST_MS = 500;
export const WRITE_RETRY_MAX_MS = 30_000;

export interface HdmiLabelerOptions {
  sysfsRoot: string;
  source: HotplugSource;
  /** Writes `kubedesk.io/hdmi` (null removes it). */
  write(value: HdmiState | null): Promise<void>;
  pollMs?: number;
  settleMs?: number;
  log?: (line: string) => void;
}

export interface HdmiLabeler {
  /** The value last written; undefined before the first write. */
  written(): HdmiState | null | undefined;
  writes(): number;
  stop(): void;
}

/** Keeps the node's HDMI label equal to what the connectors say, writing only changes. */
export function startHdmiLabeler(options: HdmiLabelerOptions): HdmiLabeler {
  const log = options.log ?? (() => undefined);
  const settleMs = options.settleMs ?? HOTPLUG_SETTLE_MS;
  let written: HdmiState | null | undefined;
  let writes = 0;
  let stopped = false;
  let running = false;
  let again = false;
  let settle: ReturnType<typeof setTimeout> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let retryDelay = WRITE_RETRY_FIRST_MS;
  let lastError = '';

  /** One check at a time; a change during a check makes another one follow. */
  async function check(): Promise<void> {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const state = await readHdmi(options.sysfsRoot);
        if (stopped || state === written) {
          continue;
        }
        try {
          await options.write(state);
          written = state;
          writes++;
          retryDelay = WRITE_RETRY_FIRST_MS;
          log(`hdmi: ${state ?? 'no HDMI connector'}`);
          lastError = '';
        } catch (error) {
          const message = (error as Error).message;
          if (message !== lastError) {
            log(`cannot label the node with its HDMI state: ${message}`);
            lastError = message;
          }
          clearTimeout(retry);
          retry = setTimeout(() => void check(), retryDelay);
          retryDelay = Math.min(WRITE_RETRY_MAX_MS, retryDelay * 2);
        }
      } while (again && !stopped);
    } finally {
      running = false;
    }
  }

  function changed(): void {
    clearTimeout(settle);
    settle = setTimeout(() => void check(), settleMs);
  }

  options.source.start(changed, (message) => log(`hotplug events: ${message}`));
  const poll = setInterval(() => void check(), options.pollMs ?? HOTPLUG_POLL_MS);
  void check();

  return {
    written: () => written,
    writes: () => writes,
    stop() {
      stopped = true;
      clearTimeout(settle);
      clearTimeout(retry);
      clearInterval(poll);
      options.source.stop();
    },
  };
}
