import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, inject } from 'vitest';
import { kubeRequest, loadKubeconfig } from '../../src/cluster/index.js';
import type { KubeConfig } from '@kubernetes/client-node';
// Brings in the ProvidedContext declaration of the global setup.
import type { LocalClusterInfo } from '../setup/cluster.js';

/** The run's local cluster (see test/setup/cluster.ts). */
export function localCluster(): LocalClusterInfo {
  return inject('localCluster');
}

/** The kubeconfig of the run's local cluster (see test/setup/cluster.ts). */
export function kubeconfigPath(): string {
  return localCluster().kubeconfig;
}

export function adminConfig(): KubeConfig {
  return loadKubeconfig({ path: kubeconfigPath() }).config;
}

/** A fresh namespace for one test file, deleted when the file's tests are done. */
export async function testNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubeRequest(adminConfig(), { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
  afterAll(async () => {
    await kubeRequest(adminConfig(), { method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined);
  });
  return name;
}

const run = promisify(execFile);

/** The cluster's own kubectl against the run's cluster; resolves with its standard output. */
export async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(localCluster().kubectl, args, { env: { ...process.env, KUBECONFIG: kubeconfigPath() } });
  return stdout;
}
