/**
 * HDMI hotplug on a fake sysfs tree laid out as on a Raspberry Pi 4 (vc4: card1-HDMI-A-1 and -2,
 * plus connectors that are not HDMI), with udev events injected by the test.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHdmiLabeler, type HdmiLabeler } from './hdmi-labeler.js';
import { parseUdevLine, readHdmi, udevadmSource, type HdmiState, type HotplugSource } from './hotplug.js';

let root: string;
const stops: (() => void)[] = [];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kubedesk-hotplug-'));
});
afterEach(async () => {
  for (const stop of stops.splice(0)) {
    stop();
  }
  await rm(root, { recursive: true, force: true });
});

async function connector(name: string, status: string): Promise<void> {
  await mkdir(join(root, 'class', 'drm', name), { recursive: true });
  await writeFile(join(root, 'class', 'drm', name, 'status'), `${status}\n`);
}

/** A hotplug source the test fires by hand, as udev would. */
function injectedEvents(): HotplugSource & { fire(): void; stopped: boolean } {
  let listener: (() => void) | undefined;
  const source = {
    stopped: false,
    start(onChange: () => void) {
      listener = onChange;
    },
    stop() {
      source.stopped = true;
    },
    fire() {
      listener?.();
    },
  };
  return source;
}

function labeler(events: HotplugSource, write: (value: HdmiState | null) => Promise<void>): HdmiLabeler {
  // The poll is set far beyond the test: only the events drive it.
  const started = startHdmiLabeler({ sysfsRoot: root, source: events, write, pollMs: 3_600_000, settleMs: 20 });
  stops.push(() => started.stop());
  return started;
}

describe('reading the HDMI connectors', () => {
  it('finds HDMI connectors whatever the card number, and ignores the others', async () => {
    await connector('card1-HDMI-A-1', 'disconnected');
    await connector('card1-HDMI-A-2', 'connected');
    await connector('card1-DSI-1', 'connected');
    await connector('card1-Writeback-1', 'unknown');
    expect(await readHdmi(root)).toBe('connected');
    await writeFile(join(root, 'class', 'drm', 'card1-HDMI-A-2', 'status'), 'disconnected\n');
    expect(await readHdmi(root)).toBe('disconnected');

    // After a kernel update the same port is card0.
    await rm(join(root, 'class', 'drm'), { recursive: true });
    await connector('card0-HDMI-A-1', 'connected');
    expect(await readHdmi(root)).toBe('connected');
  });

  it('says nothing for a machine without HDMI (a headless board, a VM)', async () => {
    expect(await readHdmi(root)).toBeNull();
    await connector('card0-Virtual-1', 'connected');
    expect(await readHdmi(root)).toBeNull();
  });

  it('parses udevadm monitor lines', () => {
    expect(parseUdevLine('UDEV  [2337.482918] change   /devices/platform/gpu/drm/card1 (drm)')).toEqual({
      action: 'change',
      path: '/devices/platform/gpu/drm/card1',
      subsystem: 'drm',
    });
    expect(parseUdevLine('UDEV - the event which udev sends out after rule processing')).toBeNull();
    expect(parseUdevLine('')).toBeNull();
  });
});

describe('the HDMI label', () => {
  it('follows plug and unplug, one write per change however many events udev sends', async () => {
    await connector('card1-HDMI-A-1', 'disconnected');
    const events = injectedEvents();
    const written: (HdmiState | null)[] = [];
    const hdmi = labeler(events, async (value) => {
      written.push(value);
    });
    await expect.poll(() => written).toEqual(['disconnected']);

    await writeFile(join(root, 'class', 'drm', 'card1-HDMI-A-1', 'status'), 'connected\n');
    // A plug makes a burst of events (the connector, then the EDID).
    events.fire();
    events.fire();
    events.fire();
    await expect.poll(() => written).toEqual(['disconnected', 'connected']);

    await writeFile(join(root, 'class', 'drm', 'card1-HDMI-A-1', 'status'), 'disconnected\n');
    events.fire();
    await expect.poll(() => written).toEqual(['disconnected', 'connected', 'disconnected']);
    // An event that changes nothing writes nothing.
    events.fire();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hdmi.writes()).toBe(3);
    hdmi.stop();
    expect(events.stopped).toBe(true);
  });

  it('tries again when the API server refuses the write', async () => {
    await connector('card1-HDMI-A-1', 'connected');
    let failures = 2;
    const written: (HdmiState | null)[] = [];
    const hdmi = labeler(injectedEvents(), async (value) => {
      if (failures-- > 0) {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
      }
      written.push(value);
    });
    await expect.poll(() => written, { timeout: 10_000 }).toEqual(['connected']);
    expect(hdmi.written()).toBe('connected');
  });
});

describe('udev events from udevadm', () => {
  it('runs udevadm monitor with an argument array, reacts to drm changes only, and stops it', async () => {
    // An executable that prints what `udevadm monitor --udev` prints, then waits like the real one.
    const program = join(root, 'udevadm');
    await writeFile(
      program,
      [
        '#!/bin/sh',
        `echo "$$" > ${JSON.stringify(join(root, 'pid'))}`,
        `echo "$@" > ${JSON.stringify(join(root, 'args'))}`,
        'echo "monitor will print the received events for:"',
        'echo "UDEV - the event which udev sends out after rule processing"',
        'echo ""',
        'echo "UDEV  [2337.482918] change   /devices/platform/gpu/drm/card1 (drm)"',
        'echo "UDEV  [2337.500101] bind     /devices/platform/soc/usb1 (usb)"',
        'echo "UDEV  [2338.100200] change   /devices/platform/gpu/drm/card1 (drm)"',
        'exec sleep 3600',
      ].join('\n'),
    );
    await chmod(program, 0o755);
    const source = udevadmSource(program);
    let changes = 0;
    source.start(
      () => changes++,
      () => undefined,
    );
    await expect.poll(() => changes).toBe(2);
    expect((await readFile(join(root, 'args'), 'utf8')).trim()).toBe('monitor --subsystem-match=drm --udev');
    const pid = Number(await readFile(join(root, 'pid'), 'utf8'));
    source.stop();
    await expect
      .poll(() => {
        try {
          process.kill(pid, 0);
          return 'running';
        } catch {
          return 'gone';
        }
      })
      .toBe('gone');
  });
});
