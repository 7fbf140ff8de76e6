import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCapability, type ContractSpec, type Disposable, type Listener } from '../contract/index.js';
import { createRpcClient } from './client.js';
import { serveRpc } from './server.js';
import { createLoopbackPair } from './transport.js';

interface Keys {
  press(key: string): Promise<string>;
  onPressed(listener: Listener<string>): Disposable;
}
interface Admin {
  secret(): Promise<string>;
}
interface Api {
  keys: Keys;
  admin: Admin;
}

const spec: ContractSpec<Api> = {
  keys: defineCapability<Keys>()({ methods: { press: z.tuple([z.string()]) }, events: { onPressed: z.tuple([]) } }),
  admin: defineCapability<Admin>()({ methods: { secret: z.tuple([]) }, events: {} }),
};

describe('a scoped peer with a session', () => {
  it('reaches only its capabilities, and its session ends with the connection', async () => {
    const api: Api = {
      keys: { press: async (key) => `pressed ${key}`, onPressed: () => ({ dispose() {} }) },
      admin: { secret: async () => 'the secret' },
    };
    const pair = createLoopbackPair();
    let sessionEnded = 0;
    serveRpc(api, spec, pair.host, { capabilities: ['keys'], session: { dispose: () => sessionEnded++ } });
    const client = createRpcClient<Api>();
    client.attach(pair.peer);

    await expect(client.api.keys.press('a')).resolves.toBe('pressed a');
    await expect(client.api.admin.secret()).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringContaining('only keys'),
    });
    expect(sessionEnded).toBe(0);
    pair.close();
    expect(sessionEnded).toBe(1);
  });
});
