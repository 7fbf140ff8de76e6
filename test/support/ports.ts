import { createServer } from 'node:net';

/** Ports one local cluster uses from its port base (see test/cluster/layout.go). */
export const CLUSTER_PORT_COUNT = 7;

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port base in [lowest, highest) whose cluster ports are all free on 127.0.0.1 now. */
export async function findFreePortBase(lowest: number, highest: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = lowest + 10 * Math.floor((Math.random() * (highest - lowest)) / 10);
    const ports = Array.from({ length: CLUSTER_PORT_COUNT }, (_, offset) => base + offset);
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) {
      return base;
    }
  }
  throw new Error(`found no ${CLUSTER_PORT_COUNT} free ports in ${lowest}-${highest}`);
}
