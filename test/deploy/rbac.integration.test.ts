/**
 * `kubectl apply -k deploy/` on the run's real cluster, then what the shell's and the agent's
 * ServiceAccounts may and may not do, asked of the real API server with their own tokens: access
 * reviews for the whole list, real requests where a user would see the difference.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubeRequest, KubeRequestError, type KubeNode, type KubeObject } from '../../src/cluster/index.js';
import { adminConfig, kubectl, localCluster } from '../support/kube.js';

const SYSTEM_NAMESPACE = 'kubedesk-system';
const APPS_NAMESPACE = 'kubedesk-apps';
/** The shortest lifetime the TokenRequest API grants. */
const TOKEN_SECONDS = 600;
const AGENT_SELECTOR = 'app.kubernetes.io/name=kubedesk-agent';
const AGENT_ROLLOUT_MS = 90_000;

interface Access {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** A kubeconfig that speaks to the run's cluster as the ServiceAccount, with a fresh bound token. */
async function serviceAccountConfig(serviceAccount: string): Promise<KubeConfig> {
  const answer = await kubeRequest<{ status: { token: string } }>(adminConfig(), {
    method: 'POST',
    path: `/api/v1/namespaces/${SYSTEM_NAMESPACE}/serviceaccounts/${serviceAccount}/token`,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: TOKEN_SECONDS },
    },
  });
  const cluster = adminConfig().getCurrentCluster();
  if (!cluster) {
    throw new Error('the run kubeconfig has no current cluster');
  }
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ ...cluster, name: 'local' }],
    users: [{ name: serviceAccount, token: answer.status.token }],
    contexts: [{ name: serviceAccount, cluster: 'local', user: serviceAccount }],
    currentContext: serviceAccount,
  });
  return config;
}

/** The API server's own answer to "may I?", asked with the account's token. */
async function allowed(config: KubeConfig, access: Access): Promise<boolean> {
  const review = await kubeRequest<{ status?: { allowed?: boolean } }>(config, {
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { group: '', ...access } },
    },
  });
  return review.status?.allowed === true;
}

function describeAccess(access: Access): string {
  const resource = [access.group, access.resource, access.subresource].filter(Boolean).join('/');
  return `${access.verb} ${resource}${access.name ? ` ${access.name}` : ''} in ${access.namespace ?? 'the cluster'}`;
}

/** The HTTP status of a request made as the account: 2xx, or the API server's refusal. */
async function statusOf(config: KubeConfig, request: Parameters<typeof kubeRequest>[1]): Promise<number> {
  try {
    await kubeRequest(config, request);
    return 200;
  } catch (error) {
    if (error instanceof KubeRequestError) {
      return error.status;
    }
    throw error;
  }
}

describe('kubectl apply -k deploy/ on a real cluster', () => {
  let shell: KubeConfig;
  let agent: KubeConfig;

  beforeAll(async () => {
    await kubectl('apply', '-k', 'deploy/');
    shell = await serviceAccountConfig('kubedesk-shell');
    agent = await serviceAccountConfig('kubedesk-agent');
  });

  it('installs the namespaces, the DesktopApp CRD, both DaemonSets and the example hardware map', async () => {
    const admin = adminConfig();
    for (const namespace of [SYSTEM_NAMESPACE, APPS_NAMESPACE]) {
      expect((await kubeRequest<KubeObject>(admin, { path: `/api/v1/namespaces/${namespace}` })).metadata.name).toBe(
        namespace,
      );
    }
    const crd = await kubeRequest<KubeObject>(admin, {
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/desktopapps.kubedesk.io',
    });
    expect(crd.metadata.name).toBe('desktopapps.kubedesk.io');
    for (const daemonSet of ['kubedesk-agent', 'kubedesk-shell']) {
      const object = await kubeRequest<KubeObject>(admin, {
        path: `/apis/apps/v1/namespaces/${SYSTEM_NAMESPACE}/daemonsets/${daemonSet}`,
      });
      expect(object.metadata.name).toBe(daemonSet);
    }
    const hardware = await kubeRequest<{ data?: Record<string, string> }>(admin, {
      path: `/api/v1/namespaces/${SYSTEM_NAMESPACE}/configmaps/kubedesk-hardware`,
    });
    expect(hardware.data?.['config.yaml']).toContain('pi-1');
  });

  it('runs one agent pod on every node', async () => {
    const admin = adminConfig();
    const nodes = (await kubeRequest<{ items: KubeNode[] }>(admin, { path: '/api/v1/nodes' })).items.map(
      (node) => node.metadata.name,
    );
    expect(nodes).toHaveLength(localCluster().nodes);
    let running: string[] = [];
    await expect
      .poll(
        async () => {
          const pods = await kubeRequest<{
            items: (KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string } })[];
          }>(admin, {
            path: `/api/v1/namespaces/${SYSTEM_NAMESPACE}/pods?labelSelector=${encodeURIComponent(AGENT_SELECTOR)}`,
          });
          running = pods.items
            .filter((pod) => pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp)
            .map((pod) => pod.spec?.nodeName ?? '')
            .sort();
          return running;
        },
        { timeout: AGENT_ROLLOUT_MS, interval: 500 },
      )
      .toEqual([...nodes].sort());
  });

  describe("the shell's ServiceAccount", () => {
    const mayDo: Access[] = [
      { verb: 'list', resource: 'nodes' },
      { verb: 'watch', resource: 'nodes' },
      { verb: 'patch', resource: 'nodes', name: 'pi-1' },
      { verb: 'list', resource: 'pods' },
      { verb: 'watch', resource: 'pods' },
      { verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'default' },
      { verb: 'create', resource: 'pods', namespace: APPS_NAMESPACE },
      { verb: 'delete', resource: 'pods', namespace: APPS_NAMESPACE },
      { verb: 'patch', resource: 'pods', namespace: APPS_NAMESPACE },
      { verb: 'create', resource: 'secrets', namespace: APPS_NAMESPACE },
      { verb: 'get', resource: 'secrets', namespace: APPS_NAMESPACE },
      { verb: 'update', resource: 'secrets', namespace: APPS_NAMESPACE },
      { verb: 'list', resource: 'desktopapps', group: 'kubedesk.io' },
      { verb: 'watch', resource: 'desktopapps', group: 'kubedesk.io' },
      { verb: 'create', resource: 'pods', subresource: 'exec', namespace: SYSTEM_NAMESPACE },
      { verb: 'get', resource: 'configmaps', namespace: SYSTEM_NAMESPACE, name: 'kubedesk-hardware' },
      { verb: 'list', resource: 'configmaps', namespace: SYSTEM_NAMESPACE, name: 'kubedesk-hardware' },
      { verb: 'watch', resource: 'configmaps', namespace: SYSTEM_NAMESPACE, name: 'kubedesk-hardware' },
      { verb: 'list', resource: 'events', namespace: APPS_NAMESPACE },
      { verb: 'watch', resource: 'events', namespace: APPS_NAMESPACE },
      { verb: 'create', resource: 'persistentvolumeclaims', namespace: APPS_NAMESPACE },
      { verb: 'create', resource: 'selfsubjectaccessreviews', group: 'authorization.k8s.io' },
    ];
    const mayNotDo: Access[] = [
      { verb: 'get', resource: 'secrets', namespace: 'default' },
      { verb: 'get', resource: 'secrets', namespace: 'kube-system' },
      { verb: 'list', resource: 'secrets', namespace: SYSTEM_NAMESPACE },
      { verb: 'list', resource: 'secrets' },
      { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'default' },
      { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'kube-system' },
      { verb: 'delete', resource: 'nodes', name: 'pi-1' },
      { verb: 'create', resource: 'pods', namespace: 'default' },
      { verb: 'delete', resource: 'pods', namespace: SYSTEM_NAMESPACE },
      { verb: 'get', resource: 'configmaps', namespace: SYSTEM_NAMESPACE, name: 'some-other-map' },
      { verb: 'update', resource: 'configmaps', namespace: SYSTEM_NAMESPACE, name: 'kubedesk-hardware' },
      { verb: 'create', resource: 'desktopapps', group: 'kubedesk.io' },
      { verb: 'create', resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io' },
    ];

    it('may do everything the shell does', async () => {
      const refused = [];
      for (const access of mayDo) {
        if (!(await allowed(shell, access))) {
          refused.push(describeAccess(access));
        }
      }
      expect(refused).toEqual([]);
    });

    it('may not read Secrets outside kubedesk-apps, exec outside its namespaces, or delete nodes', async () => {
      const granted = [];
      for (const access of mayNotDo) {
        if (await allowed(shell, access)) {
          granted.push(describeAccess(access));
        }
      }
      expect(granted).toEqual([]);
    });

    it('lists nodes and follows the hardware map, but reading a Secret in kube-system is refused', async () => {
      expect(await statusOf(shell, { path: '/api/v1/nodes' })).toBe(200);
      // The hardware map's informer lists by name; the Role names only that ConfigMap.
      expect(
        await statusOf(shell, {
          path: `/api/v1/namespaces/${SYSTEM_NAMESPACE}/configmaps?fieldSelector=${encodeURIComponent('metadata.name=kubedesk-hardware')}`,
        }),
      ).toBe(200);
      expect(await statusOf(shell, { path: `/api/v1/namespaces/${SYSTEM_NAMESPACE}/configmaps` })).toBe(403);
      expect(await statusOf(shell, { path: '/api/v1/namespaces/kube-system/secrets' })).toBe(403);
      expect(await statusOf(shell, { method: 'DELETE', path: '/api/v1/nodes/pi-4?dryRun=All' })).toBe(403);
    });
  });

  describe("the agent's ServiceAccount", () => {
    it('patches its node and may do nothing else', async () => {
      expect(await allowed(agent, { verb: 'patch', resource: 'nodes', name: 'pi-2' })).toBe(true);
      const forbidden: Access[] = [
        { verb: 'get', resource: 'secrets', namespace: SYSTEM_NAMESPACE },
        { verb: 'get', resource: 'secrets', namespace: APPS_NAMESPACE },
        { verb: 'list', resource: 'pods' },
        { verb: 'list', resource: 'pods', namespace: SYSTEM_NAMESPACE },
        { verb: 'delete', resource: 'nodes', name: 'pi-2' },
        { verb: 'get', resource: 'nodes', name: 'pi-2' },
        { verb: 'update', resource: 'nodes', name: 'pi-2' },
        { verb: 'create', resource: 'pods', subresource: 'exec', namespace: SYSTEM_NAMESPACE },
      ];
      const granted = [];
      for (const access of forbidden) {
        if (await allowed(agent, access)) {
          granted.push(describeAccess(access));
        }
      }
      expect(granted).toEqual([]);
    });

    it('writes an annotation on a real node; listing pods or reading a Secret is refused', async () => {
      const marker = `rbac-${Date.now()}`;
      expect(
        await statusOf(agent, {
          method: 'PATCH',
          path: '/api/v1/nodes/pi-2',
          body: { metadata: { annotations: { 'kubedesk.io/rbac-test': marker } } },
        }),
      ).toBe(200);
      const node = await kubeRequest<KubeNode>(adminConfig(), { path: '/api/v1/nodes/pi-2' });
      expect(node.metadata.annotations?.['kubedesk.io/rbac-test']).toBe(marker);
      await kubeRequest(adminConfig(), {
        method: 'PATCH',
        path: '/api/v1/nodes/pi-2',
        body: { metadata: { annotations: { 'kubedesk.io/rbac-test': null } } },
      });
      expect(await statusOf(agent, { path: '/api/v1/pods' })).toBe(403);
      expect(await statusOf(agent, { path: `/api/v1/namespaces/${SYSTEM_NAMESPACE}/secrets` })).toBe(403);
      expect(await statusOf(agent, { path: '/api/v1/nodes/pi-2' })).toBe(403);
    });
  });
});
