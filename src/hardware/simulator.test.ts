import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hardwareStateSchema } from '../contract/index.js';
import { startHardwareSimulator, type HardwareSimulator, type SimulatorOptions } from './simulator.js';

const TOKEN = 'simulator-test-token';

let directory: string;
const running: HardwareSimulator[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kubedesk-sim-'));
});
afterEach(async () => {
  for (const simulator of running.splice(0)) {
    await simulator.close();
  }
  await rm(directory, { recursive: true, force: true });
});

async function start(options: Partial<SimulatorOptions> = {}): Promise<HardwareSimulator> {
  const simulator = await startHardwareSimulator({
    stateFile: join(directory, 'state.json'),
    token: TOKEN,
    ...options,
  });
  running.push(simulator);
  return simulator;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  simulator: HardwareSimulator,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const outgoing = request(new URL(path, simulator.url), {
      method,
      headers: {
        ...(token !== null ? { Authorization: `Bearer ${token}` } : {}),
        ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
    });
    outgoing.once('error', reject);
    outgoing.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    outgoing.end(payload);
  });
}

/** Opens the event stream and collects the states it carries. */
function events(simulator: HardwareSimulator): Promise<{ states: unknown[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const states: unknown[] = [];
    const outgoing = request(new URL('/v1/events', simulator.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
    outgoing.once('error', reject);
    outgoing.once('response', (response) => {
      expect(response.headers['content-type']).toBe('text/event-stream');
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block);
          if (/^event: state$/m.test(block) && data) {
            states.push(JSON.parse(data[1]!));
          }
        }
      });
      resolve({ states, close: () => outgoing.destroy() });
    });
    outgoing.end();
  });
}

describe('the hardware simulator', () => {
  it('refuses requests without the right token with 401 and an error body', async () => {
    const simulator = await start();
    for (const token of [null, 'wrong-token']) {
      const answer = await call(simulator, 'GET', '/v1/state', undefined, token);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: 'unauthorized', message: 'a valid bearer token is required' },
      });
    }
  });

  it('serves the state of the configured inputs and ports, every Pi on', async () => {
    const simulator = await start({ inputs: ['hdmi1', 'hdmi2'], ports: ['a', 'b', 'c'], firmware: 'sim 1' });
    const answer = await call(simulator, 'GET', '/v1/state');
    expect(answer.status).toBe(200);
    expect(hardwareStateSchema.parse(JSON.parse(answer.body))).toEqual({
      hdmi: { active: 'hdmi1', inputs: ['hdmi1', 'hdmi2'] },
      audio: { active: 'hdmi1', volume: 40, muted: false },
      power: { a: true, b: true, c: true },
      firmware: 'sim 1',
    });
  });

  it('applies commands, answers with the state after them, and keeps it in the file across a restart', async () => {
    const first = await start();
    expect(JSON.parse((await call(first, 'PUT', '/v1/hdmi', { active: '3' })).body).hdmi.active).toBe('3');
    const audio = JSON.parse((await call(first, 'PUT', '/v1/audio', { volume: 75, muted: true })).body);
    expect(audio.audio).toEqual({ active: '1', volume: 75, muted: true });
    expect(JSON.parse((await call(first, 'PUT', '/v1/power/2', { on: false })).body).power['2']).toBe(false);
    const saved = JSON.parse(await readFile(join(directory, 'state.json'), 'utf8'));
    expect(saved).toMatchObject({ hdmi: { active: '3' }, audio: { volume: 75, muted: true }, power: { '2': false } });
    await first.close();
    running.length = 0;

    const second = await start();
    expect(second.state()).toMatchObject({ hdmi: { active: '3' }, audio: { volume: 75 }, power: { '2': false } });
  });

  it('names the wrong field of a bad command, refuses unknown inputs and ports, and changes nothing', async () => {
    const simulator = await start();
    const before = simulator.state();
    const bad = await call(simulator, 'PUT', '/v1/audio', { volume: 300 });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toMatch(/^body\.volume: /);
    expect((await call(simulator, 'PUT', '/v1/hdmi', '{not json')).status).toBe(400);
    const unknownInput = await call(simulator, 'PUT', '/v1/hdmi', { active: '9' });
    expect(unknownInput.status).toBe(404);
    expect(JSON.parse(unknownInput.body).error.message).toBe('no input "9"; inputs are 1, 2, 3, 4');
    expect((await call(simulator, 'PUT', '/v1/power/9', { on: true })).status).toBe(404);
    expect((await call(simulator, 'DELETE', '/v1/state')).status).toBe(405);
    expect((await call(simulator, 'PUT', '/v1/audio', { active: '9', volume: 10 })).status).toBe(404);
    expect(simulator.state()).toEqual(before);
  });

  it('sends the state at once on the event stream, then one event per change and none for a repeat', async () => {
    const simulator = await start({ cycleMs: 1 });
    const stream = await events(simulator);
    await expect.poll(() => stream.states.length).toBe(1);
    await call(simulator, 'PUT', '/v1/hdmi', { active: '2' });
    await call(simulator, 'PUT', '/v1/hdmi', { active: '2' });
    await call(simulator, 'POST', '/v1/power/4/cycle');
    await call(simulator, 'PUT', '/v1/audio', { muted: false });
    // A round trip after the last command: any event it caused has been written before this answer.
    await call(simulator, 'GET', '/v1/state');
    await expect.poll(() => stream.states.length).toBe(4);
    const summary = stream.states.map((state) => {
      const typed = hardwareStateSchema.parse(state);
      return `${typed.hdmi.active} ${typed.power['4']}`;
    });
    // Start; the switch; the cycle's off and on. The repeat and the no-op mute send nothing.
    expect(summary).toEqual(['1 true', '2 true', '2 false', '2 true']);
    stream.close();
  });

  it('refuses a state file that is not a state, naming the field', async () => {
    await writeFile(join(directory, 'state.json'), JSON.stringify({ hdmi: { active: '1' } }));
    await expect(start()).rejects.toThrow(/is not a hardware state: state\.hdmi\.inputs: /);
  });
});
