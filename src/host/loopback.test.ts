import { hostSpec, type HostApi } from '../contract/index.js';
import { createRpcClient } from '../rpc/index.js';
import { describeContract } from './contract.spec.js';
import { serveRpc } from '../rpc/index.js';
import { createLoopbackPair } from '../rpc/index.js';

describeContract('the loopback transport', async (host) => {
  const pair = createLoopbackPair();
  serveRpc(host.api, hostSpec, pair.host);
  const client = createRpcClient<HostApi>();
  client.attach(pair.peer);
  return {
    client,
    raw: (frame) =>
      new Promise((resolve) => {
        const subscription = pair.peer.onMessage((reply) => {
          subscription.dispose();
          resolve(reply);
        });
        pair.peer.send(frame);
      }),
    disconnect: async () => pair.close(),
  };
});
