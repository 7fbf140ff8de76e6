/**
 * Contract tests of the hardware client against the simulator over real HTTP on 127.0.0.1:
 * what the host shows when the controller dies and comes back, is slow, answers garbage or
 * refuses the token, and which commands it repeats after a failure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubedeskError, type HardwareStatus } from '../contract/index.js';
import { HealthBoard } from '../system/index.js';
import { HardwareClient, type HardwareClientOptions } from './client.js';
import { createHardware, type Hardware } from './index.js';
import { startHardwareSimulator, type HardwareSimulator, type SimulatorOptions } from './simulator.js';

const TOKEN = 'client-test-token';
/** Long enough for a reconnect after the backoff has grown a few steps. */
const RECOVERY_WAIT_MS = 20_000;

let directory: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kubedesk-hw-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
  await rm(directory, { recursive: true, force: true });
});

async function simulator(options: Partial<SimulatorOptions> = {}): Promise<HardwareSimulator> {
  const started = await startHardwareSimulator({
    stateFile: join(directory, 'state.json'),
    token: TOKEN,
    cycleMs: 1,
    ...options,
  });
  let closed = false;
  const close = started.close.bind(started);
  started.close = async () => {
    if (!closed) {
      closed = true;
      await close();
    }
  };
  cleanups.push(() => started.close());
  return started;
}

function capability(
  url: string,
  options: Partial<HardwareClientOptions> = {},
): { hardware: Hardware; health: HealthBoard; seen: HardwareStatus[] } {
  const health = new HealthBoard();
  const hardware = createHardware({ health, backend: new HardwareClient({ url, token: TOKEN, ...options }) });
  const seen: HardwareStatus[] = [];
  const subscription = hardware.api.onState((status) => seen.push(status));
  cleanups.push(() => {
    subscription.dispose();
    hardware.dispose();
  });
  return { hardware, health, seen };
}

function connection(hardware: Hardware): string {
  return hardware.current().connection;
}

async function rejection(promise: Promise<unknown>): Promise<KubedeskError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(KubedeskError);
  return error as KubedeskError;
}

describe('the hardware capability against the simulator', () => {
  it('goes online, follows changes made by others, and applies its own commands', async () => {
    const sim = await simulator();
    const { hardware, health } = capability(sim.url);
    await expect.poll(() => connection(hardware)).toBe('online');
    expect(hardware.current().state).toEqual(sim.state());
    expect(health.snapshot().find((entry) => entry.capability === 'hardware')).toMatchObject({ state: 'ok' });

    // Someone else presses the switch: the event stream brings it.
    const other = new HardwareClient({ url: sim.url, token: TOKEN });
    await other.setHdmi('4');
    await expect.poll(() => hardware.current().state?.hdmi.active).toBe('4');

    const after = await hardware.api.setHdmi('2');
    expect(after.hdmi.active).toBe('2');
    expect((await hardware.api.setAudio({ active: '2', volume: 55 })).audio).toEqual({
      active: '2',
      volume: 55,
      muted: false,
    });
    expect((await hardware.api.setPower('3', false)).power['3']).toBe(false);
    expect((await hardware.api.cyclePower('3')).power['3']).toBe(true);
    expect(sim.state()).toMatchObject({
      hdmi: { active: '2' },
      audio: { active: '2', volume: 55 },
      power: { '3': true },
    });

    const unknown = await rejection(hardware.api.setHdmi('9'));
    expect(unknown.code).toBe('not-found');
    expect(unknown.message).toContain('no input "9"');
  });

  it('shows the controller offline when it dies, and online again by itself when it comes back', async () => {
    const first = await simulator();
    const { hardware, health, seen } = capability(first.url);
    await expect.poll(() => connection(hardware)).toBe('online');
    await first.close();

    await expect.poll(() => connection(hardware)).toBe('offline');
    expect(hardware.current().state?.hdmi.active).toBe('1');
    expect(health.snapshot().find((entry) => entry.capability === 'hardware')?.state).toBe('down');
    const refused = await rejection(hardware.api.setHdmi('2'));
    expect(refused.code).toBe('unavailable');
    expect(refused.message).toContain('ECONNREFUSED');

    // The controller comes back on its address, with a change made while the host could not see it.
    const second = await simulator({ port: first.port });
    await new HardwareClient({ url: second.url, token: TOKEN }).setHdmi('3');
    await expect.poll(() => connection(hardware), { timeout: RECOVERY_WAIT_MS }).toBe('online');
    expect(hardware.current().state?.hdmi.active).toBe('3');
    expect(health.snapshot().find((entry) => entry.capability === 'hardware')?.state).toBe('ok');
    expect(seen.map((status) => status.connection)).toEqual(expect.arrayContaining(['online', 'offline']));
  });

  it('gives up on slow replies after the deadline, says so, and recovers when they are quick again', async () => {
    const sim = await simulator({ behaviour: { delayMs: 1_000 } });
    const { hardware } = capability(sim.url, { timeoutMs: 150, retries: 0 });
    await expect.poll(() => connection(hardware)).toBe('offline');
    expect(hardware.current().message).toContain('no answer within 150 ms');
    const slow = await rejection(hardware.api.setHdmi('2'));
    expect(slow.code).toBe('timeout');
    expect(slow.message).toBe(`PUT /v1/hdmi of ${sim.url}: no answer within 150 ms`);

    sim.setBehaviour({ delayMs: 0 });
    await expect.poll(() => connection(hardware), { timeout: RECOVERY_WAIT_MS }).toBe('online');
  });

  it('says clearly when the controller answers something that is not the API', async () => {
    const sim = await simulator({ behaviour: { garbage: 'schema' } });
    const { hardware } = capability(sim.url);
    await expect.poll(() => connection(hardware)).toBe('offline');
    expect(hardware.current().message).toContain("the controller's reply is not Hardware API v1");
    const wrongShape = await rejection(hardware.api.setHdmi('2'));
    expect(wrongShape.code).toBe('bad-message');
    expect(wrongShape.message).toMatch(/not Hardware API v1: hdmi\.active: .*; hdmi\.inputs: /);

    sim.setBehaviour({ garbage: 'text' });
    const notJson = await rejection(hardware.api.setPower('1', true));
    expect(notJson.code).toBe('bad-message');
    expect(notJson.message).toContain(
      `the controller's reply is not JSON ("<html><body>Welcome to nginx!</body></html>")`,
    );
    // A garbage answer is not retried: asking again would get the same garbage.
    expect(sim.requests().get('PUT /v1/power/1')).toBe(1);
  });

  it('shows a refused token as offline with 401, and refuses commands as unauthorized', async () => {
    const sim = await simulator();
    const health = new HealthBoard();
    const hardware = createHardware({ health, backend: new HardwareClient({ url: sim.url, token: 'not-the-token' }) });
    cleanups.push(() => hardware.dispose());
    await expect.poll(() => hardware.current().connection).toBe('offline');
    expect(hardware.current().message).toContain(
      'the controller refused the token (401: a valid bearer token is required)',
    );
    expect(health.snapshot().find((entry) => entry.capability === 'hardware')?.message).toContain('401');
    const refused = await rejection(hardware.api.setHdmi('2'));
    expect(refused.code).toBe('unauthorized');
    expect(sim.state().hdmi.active).toBe('1');
  });

  it('repeats idempotent commands after transient failures, but never a power cycle the controller got', async () => {
    const sim = await simulator();
    const client = new HardwareClient({ url: sim.url, token: TOKEN, retries: 2 });
    sim.setBehaviour({ failNext: 2 });
    expect((await client.setPower('2', false)).power['2']).toBe(false);
    expect(sim.requests().get('PUT /v1/power/2')).toBe(3);

    sim.setBehaviour({ failNext: 1 });
    const busy = await rejection(client.cyclePower('2'));
    expect(busy.code).toBe('unavailable');
    expect(busy.message).toContain('503: the controller is busy');
    expect(sim.requests().get('POST /v1/power/2/cycle')).toBe(1);

    sim.setBehaviour({ failNext: 5 });
    const exhausted = await rejection(client.setHdmi('2'));
    expect(exhausted.code).toBe('unavailable');
    expect(sim.requests().get('PUT /v1/hdmi')).toBe(3);
  });

  it('without a controller says it is unconfigured and refuses commands', async () => {
    const health = new HealthBoard();
    const hardware = createHardware({ health });
    cleanups.push(() => hardware.dispose());
    expect(await hardware.api.state()).toMatchObject({ connection: 'unconfigured', controller: null, state: null });
    const refused = await rejection(hardware.api.setPower('1', false));
    expect(refused.code).toBe('unavailable');
    expect(refused.message).toBe('no hardware controller is configured');
  });
});
