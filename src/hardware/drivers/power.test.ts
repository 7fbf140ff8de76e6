/**
 * The Tasmota and Shelly drivers against HTTP servers on 127.0.0.1 that answer as the devices'
 * documentation shows, reply for reply:
 * - Tasmota (https://tasmota.github.io/docs/Commands/, and a curl trace in Tasmota issue #2901):
 *   `cm?cmnd=Power2 On` → `{"POWER2":"ON"}`; relay 1 of a single-relay plug answers as `POWER`;
 *   a wrong password → `{"WARNING":"Need user=<username>&password=<password>"}`; an unknown
 *   command → `{"Command":"Unknown"}`.
 * - Shelly first generation: `/relay/0?turn=on` → the relay status object; 401 without the login.
 * - Shelly later generations: `/rpc/Switch.Set?id=0&on=true` → `{"was_on":false}`,
 *   `/rpc/Switch.GetStatus?id=0` → the switch status object.
 * The servers keep each relay's state so that a read after a write tells the truth.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubedeskError } from '../../contract/index.js';
import { HealthBoard } from '../../system/index.js';
import { createHardware } from '../index.js';
import { DriverBackend } from './composite.js';
import { parseDriversFile } from './config.js';
import { ShellyDriver } from './shelly.js';
import { TasmotaDriver } from './tasmota.js';

const servers: Server[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) {
    cleanup();
  }
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
});

type Handler = (url: URL, request: IncomingMessage, response: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://device');
    requests.push(`${url.pathname}${url.search}`);
    handler(url, request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests };
}

/** Headers as Tasmota sends them (from the curl trace in Tasmota issue #2901). */
function tasmotaReply(response: ServerResponse, body: string): void {
  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    Expires: '-1',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
    'Access-Control-Allow-Origin': '*',
  });
  response.end(body);
}

/** A Tasmota with `relays` relays and, optionally, a web password. */
function tasmota(relays: number, password?: string): Handler {
  const on = new Array<boolean>(relays).fill(true);
  return (url, _request, response) => {
    if (url.pathname !== '/cm') {
      response.writeHead(404).end();
      return;
    }
    if (password !== undefined && url.searchParams.get('password') !== password) {
      tasmotaReply(response, '{"WARNING":"Need user=<username>&password=<password>"}');
      return;
    }
    const match = /^Power(\d*)(?: (On|Off|TOGGLE))?$/i.exec(url.searchParams.get('cmnd') ?? '');
    const relay = match ? Number(match[1] || '1') : 0;
    if (!match || relay < 1 || relay > relays) {
      tasmotaReply(response, '{"Command":"Unknown"}');
      return;
    }
    if (match[2]) {
      on[relay - 1] = /on/i.test(match[2]);
    }
    const key = relays === 1 ? 'POWER' : `POWER${relay}`;
    tasmotaReply(response, JSON.stringify({ [key]: on[relay - 1] ? 'ON' : 'OFF' }));
  };
}

async function failure(promise: Promise<unknown>): Promise<KubedeskError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(KubedeskError);
  return error as KubedeskError;
}

describe('the Tasmota driver', () => {
  it('switches and reads relays of a multi-relay board, sending the documented commands', async () => {
    const device = await serve(tasmota(4));
    const driver = new TasmotaDriver({ url: device.url, ports: { 'pi-1': 1, 'pi-4': 4 } });
    await driver.set('pi-4', false);
    expect(await driver.read('pi-4')).toBe(false);
    expect(await driver.read('pi-1')).toBe(true);
    expect(device.requests).toEqual(['/cm?cmnd=Power4+Off', '/cm?cmnd=Power4', '/cm?cmnd=Power1']);
  });

  it('understands a single-relay plug answering as POWER', async () => {
    const device = await serve(tasmota(1));
    const driver = new TasmotaDriver({ url: device.url, ports: { plug: 1 } });
    await driver.set('plug', false);
    expect(await driver.read('plug')).toBe(false);
  });

  it('sends the credentials in the query, and says so when they are refused', async () => {
    const device = await serve(tasmota(2, 'joker'));
    const good = new TasmotaDriver({ url: device.url, ports: { a: 2 }, user: 'admin', password: 'joker' });
    await good.set('a', false);
    expect(device.requests.at(-1)).toBe('/cm?user=admin&password=joker&cmnd=Power2+Off');
    const bad = new TasmotaDriver({ url: device.url, ports: { a: 2 }, password: 'wrong' });
    const refused = await failure(bad.read('a'));
    expect(refused.code).toBe('unauthorized');
    expect(refused.message).toContain('Need user=<username>&password=<password>');
  });

  it('names a relay the device does not have, and an unknown port', async () => {
    const device = await serve(tasmota(2));
    const driver = new TasmotaDriver({ url: device.url, ports: { a: 3 } });
    const missing = await failure(driver.set('a', true));
    expect(missing.code).toBe('not-found');
    expect(missing.message).toContain('has no relay 3');
    expect((await failure(driver.read('b'))).message).toContain('has no port "b"');
  });

  it('refuses a reply that is not what Tasmota sends', async () => {
    const device = await serve((_url, _request, response) => tasmotaReply(response, '{"POWER1":"MAYBE"}'));
    const driver = new TasmotaDriver({ url: device.url, ports: { a: 1 } });
    const error = await failure(driver.read('a'));
    expect(error.code).toBe('bad-message');
    expect(error.message).toContain('no POWER1 of "ON" or "OFF"');
  });

  it('gives up on a plug that does not answer', async () => {
    const device = await serve(() => undefined);
    const driver = new TasmotaDriver({ url: device.url, ports: { a: 1 }, timeoutMs: 100 });
    const error = await failure(driver.read('a'));
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('no answer within 100 ms');
  });
});

describe('the Shelly driver', () => {
  it('switches a first-generation relay with basic authentication', async () => {
    let ison = true;
    const device = await serve((url, request, response) => {
      if (request.headers.authorization !== `Basic ${Buffer.from('admin:secret').toString('base64')}`) {
        response.writeHead(401, { 'Content-Type': 'text/plain' }).end('401 Unauthorized');
        return;
      }
      if (url.pathname !== '/relay/0') {
        response.writeHead(404).end();
        return;
      }
      const turn = url.searchParams.get('turn');
      if (turn !== null) {
        ison = turn === 'on';
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({
          ison,
          has_timer: false,
          timer_started: 0,
          timer_duration: 0,
          timer_remaining: 0,
          overpower: false,
          source: 'http',
        }),
      );
    });
    const driver = new ShellyDriver({
      url: device.url,
      generation: 1,
      ports: { 'pi-2': 0 },
      user: 'admin',
      password: 'secret',
    });
    await driver.set('pi-2', false);
    expect(await driver.read('pi-2')).toBe(false);
    expect(device.requests).toEqual(['/relay/0?turn=off', '/relay/0']);

    const stranger = new ShellyDriver({ url: device.url, generation: 1, ports: { 'pi-2': 0 } });
    expect((await failure(stranger.read('pi-2'))).code).toBe('unauthorized');
  });

  it('switches a later-generation switch through its RPC calls', async () => {
    let output = true;
    const device = await serve((url, _request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      if (url.pathname === '/rpc/Switch.Set') {
        const wasOn = output;
        output = url.searchParams.get('on') === 'true';
        response.end(JSON.stringify({ was_on: wasOn }));
      } else if (url.pathname === '/rpc/Switch.GetStatus') {
        response.end(
          JSON.stringify({
            id: 0,
            source: 'http',
            output,
            apower: 0,
            voltage: 225.9,
            current: 0,
            aenergy: { total: 11.679, by_minute: [0, 0, 0], minute_ts: 1654511972 },
            temperature: { tC: 53.3, tF: 127.9 },
          }),
        );
      } else {
        response.end(JSON.stringify({ code: 404, message: 'No handler for ' + url.pathname }));
      }
    });
    const driver = new ShellyDriver({ url: device.url, generation: 2, ports: { 'pi-3': 0 } });
    await driver.set('pi-3', false);
    expect(await driver.read('pi-3')).toBe(false);
    expect(device.requests).toEqual(['/rpc/Switch.Set?id=0&on=false', '/rpc/Switch.GetStatus?id=0']);
  });

  it('names the missing field of a reply that is not the documented one', async () => {
    const device = await serve((_url, _request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":0}');
    });
    const driver = new ShellyDriver({ url: device.url, generation: 2, ports: { a: 0 } });
    const error = await failure(driver.read('a'));
    expect(error.code).toBe('bad-message');
    expect(error.message).toMatch(/Switch\.GetStatus is not what the API documents: output: /);
  });
});

describe('drivers as the hardware capability', () => {
  it('serves plugs as power ports: online, state, commands, a cycle', async () => {
    const plugs = await serve(tasmota(2));
    const backend = new DriverBackend({
      power: [new TasmotaDriver({ url: plugs.url, ports: { '1': 1, '2': 2 } })],
      pollMs: 50,
      cycleMs: 1,
    });
    const hardware = createHardware({ health: new HealthBoard(), backend });
    cleanups.push(() => hardware.dispose());
    await expect.poll(() => hardware.current().connection).toBe('online');
    expect(hardware.current().state).toMatchObject({
      hdmi: { active: null, inputs: [] },
      power: { '1': true, '2': true },
    });
    expect((await hardware.api.setPower('2', false)).power['2']).toBe(false);
    expect((await hardware.api.cyclePower('2')).power['2']).toBe(true);
    expect(plugs.requests).toContain('/cm?cmnd=Power2+Off');
    expect(plugs.requests).toContain('/cm?cmnd=Power2+On');

    // The plug goes away: the poll notices, and the capability says so.
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await expect.poll(() => hardware.current().connection).toBe('offline');
    expect(hardware.current().message).toContain('ECONNREFUSED');
  });

  it('checks a drivers file and names the wrong field', () => {
    expect(() =>
      parseDriversFile({ power: [{ kind: 'tasmota', url: 'ftp://plug/', ports: { a: 1 } }] }, 'drivers.yaml'),
    ).toThrow(/^drivers\.yaml: power\.0\.url: /);
    expect(() => parseDriversFile({ hdmi: { kind: 'cec', inputs: { a: '2.0.0' } } })).toThrow(
      /hdmi\.inputs\.a: a physical address like 2\.0\.0\.0/,
    );
    expect(
      parseDriversFile({ power: [{ kind: 'shelly', generation: 2, url: 'http://10.0.0.32/', ports: { b: 0 } }] }),
    ).toBeTruthy();
  });
});
