import { afterEach, describe, expect, it } from 'vitest';
import { KubedeskError, type CapabilityHealth, type HostApi } from '../contract/index.js';
import { createHost, type Host } from './index.js';
import type { RpcClient } from '../rpc/index.js';

/** A connected client for one host, over some transport, and a way to cut the connection. */
export interface Connection {
  client: RpcClient<HostApi>;
  /** Sends a raw frame over the same kind of transport and returns the next reply frame. */
  raw(frame: string): Promise<string>;
  /** Ends the connection as a peer going away would. */
  disconnect(): Promise<void>;
}

export type Connect = (host: Host) => Promise<Connection>;

function nextHealth(client: RpcClient<HostApi>): Promise<CapabilityHealth[]> {
  return new Promise((resolve) => {
    const subscription = client.api.system.onHealth((health) => {
      subscription.dispose();
      resolve(health);
    });
  });
}

/**
 * The contract's behaviour, whatever carries it: the same specs run over the loopback transport
 * and over a real WebSocket to the web host.
 */
export function describeContract(transportName: string, connect: Connect): void {
  describe(`contract over ${transportName}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) {
        await cleanup();
      }
    });

    async function setup(): Promise<{ host: Host; connection: Connection }> {
      const host = await createHost({ host: 'web', nodeName: 'pi-1', kubeconfig: { path: '/nonexistent/kubeconfig' } });
      const connection = await connect(host);
      cleanups.push(async () => {
        await connection.disconnect();
        await host.dispose();
      });
      return { host, connection };
    }

    it('answers system.info with plain JSON', async () => {
      const { connection } = await setup();
      const info = await connection.client.api.system.info();
      expect(info).toMatchObject({ product: 'Kubedesk', nodeName: 'pi-1', host: 'web' });
      expect(info.capabilities).toContain('system');
      expect(Number.isNaN(Date.parse(info.startedAt))).toBe(false);
    });

    it('streams health: the current list on subscribe, then every change', async () => {
      const { host, connection } = await setup();
      const first = await nextHealth(connection.client);
      expect(first.find((entry) => entry.capability === 'system')?.state).toBe('ok');

      const seen: CapabilityHealth[][] = [];
      const subscription = connection.client.api.system.onHealth((health) => seen.push(health));
      await expect.poll(() => seen.length).toBeGreaterThan(0);
      host.health.report('cluster', 'down', 'apiserver unreachable');
      await expect
        .poll(() => seen.at(-1)?.find((entry) => entry.capability === 'cluster')?.message)
        .toBe('apiserver unreachable');
      subscription.dispose();
      const count = seen.length;
      host.health.report('cluster', 'ok', 'live');
      // After dispose nothing more arrives: the round trip of a call proves the event would have come first.
      await connection.client.api.system.health();
      expect(seen.length).toBe(count);
    });

    it('refuses unknown methods and wrong argument shapes with named errors', async () => {
      const { connection } = await setup();
      const api = connection.client.api as unknown as Record<
        string,
        Record<string, (...args: unknown[]) => Promise<unknown>>
      >;
      await expect(api.system!.reboot!()).rejects.toMatchObject({ code: 'unknown-method', name: 'UnknownMethod' });
      await expect(api.nothing!.info!()).rejects.toMatchObject({ code: 'unknown-method' });
      const error = await api.system!.info!('unexpected').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(KubedeskError);
      expect((error as KubedeskError).code).toBe('bad-arguments');
      expect((error as KubedeskError).message).toMatch(/system\.info.*args/);
    });

    it('answers malformed frames with error replies and keeps serving', async () => {
      const { connection } = await setup();
      const replies = {
        badJson: JSON.parse(await connection.raw('{not json')),
        notObject: JSON.parse(await connection.raw('[1,2,3]')),
        wrongTypes: JSON.parse(
          await connection.raw(
            JSON.stringify({ type: 'call', id: 'seven', capability: 'system', method: 'info', args: {} }),
          ),
        ),
        proto: JSON.parse(
          await connection.raw(
            '{"type":"call","id":9,"capability":"system","method":"info","args":[],"__proto__":{"x":1}}',
          ),
        ),
        nestedProto: JSON.parse(
          await connection.raw(
            '{"type":"call","id":10,"capability":"system","method":"info","args":[{"__proto__":{}}]}',
          ),
        ),
        huge: JSON.parse(
          await connection.raw(
            JSON.stringify({
              type: 'call',
              id: 11,
              capability: 'system',
              method: 'info',
              args: ['x'.repeat(10 * 1024 * 1024)],
            }),
          ),
        ),
        toString: JSON.parse(
          await connection.raw(
            JSON.stringify({ type: 'call', id: 12, capability: 'system', method: 'toString', args: [] }),
          ),
        ),
        protoCapability: JSON.parse(
          await connection.raw(
            JSON.stringify({ type: 'call', id: 13, capability: 'constructor', method: 'info', args: [] }),
          ),
        ),
      };
      expect(replies.badJson).toMatchObject({ type: 'result', id: null, ok: false, error: { code: 'bad-json' } });
      expect(replies.notObject).toMatchObject({ ok: false, error: { code: 'bad-message' } });
      expect(replies.wrongTypes).toMatchObject({ ok: false, error: { code: 'bad-message' } });
      expect(replies.wrongTypes.error.message).toMatch(/id/);
      expect(replies.proto).toMatchObject({ ok: false, error: { code: 'forbidden-key' } });
      expect(replies.nestedProto).toMatchObject({ ok: false, error: { code: 'forbidden-key' } });
      expect(replies.huge).toMatchObject({ ok: false, error: { code: 'frame-too-large' } });
      expect(replies.huge.error.message).toMatch(/limit of 1048576 bytes/);
      expect(replies.toString).toMatchObject({ id: 12, ok: false, error: { code: 'unknown-method' } });
      expect(replies.protoCapability).toMatchObject({ id: 13, ok: false, error: { code: 'unknown-method' } });
      // The connection still serves good calls after all that.
      await expect(connection.client.api.system.info()).resolves.toMatchObject({ product: 'Kubedesk' });
    });

    it('releases every listener of a peer that goes away', async () => {
      const { host, connection } = await setup();
      const listenersBefore = host.health.listenerCount;
      connection.client.api.system.onHealth(() => undefined);
      connection.client.api.system.onHealth(() => undefined);
      await expect.poll(() => host.health.listenerCount).toBe(listenersBefore + 2);
      await connection.disconnect();
      await expect.poll(() => host.health.listenerCount).toBe(listenersBefore);
    });

    it('fails calls of a disconnected client with a named error', async () => {
      const { connection } = await setup();
      await connection.disconnect();
      await expect(connection.client.api.system.info()).rejects.toMatchObject({ code: 'disconnected' });
    });
  });
}
