import { kubeRequest } from '../../src/cluster/index.js';
import { adminConfig, kubectl } from './kube.js';

/**
 * Installs the DesktopApp CRD (once it is there, again is a no-op) and creates one app: what
 * every app test needs before its host can launch anything.
 */
export async function installDesktopApp(name: string, spec: Record<string, unknown>): Promise<void> {
  await kubectl('apply', '-f', 'deploy/crds/desktopapp.yaml');
  await kubectl('wait', '--for=condition=Established', 'crd/desktopapps.kubedesk.io', '--timeout=60s');
  await kubeRequest(adminConfig(), {
    method: 'POST',
    path: '/apis/kubedesk.io/v1alpha1/desktopapps',
    body: { apiVersion: 'kubedesk.io/v1alpha1', kind: 'DesktopApp', metadata: { name }, spec },
  });
}

/** Deletes DesktopApps a test made; their running pods are the test's to stop. */
export async function removeDesktopApps(...names: string[]): Promise<void> {
  await kubectl('delete', 'desktopapp', ...names, '--wait=false', '--ignore-not-found').catch(() => undefined);
}
