import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest, LABEL_DISPLAY, type KubeNode } from '../cluster/index.js';

export const DISPLAY_ACTIVE = 'active';

interface NodeList {
  items: KubeNode[];
}

/** The nodes holding `kubedesk.io/display=active` now, asked of the API server (not a cache). */
export async function displayHolders(config: KubeConfig): Promise<string[]> {
  const selector = encodeURIComponent(`${LABEL_DISPLAY}=${DISPLAY_ACTIVE}`);
  const list = await kubeRequest<NodeList>(config, { path: `/api/v1/nodes?labelSelector=${selector}` });
  return list.items.map((node) => node.metadata.name);
}

/** Puts the label on a node, or takes it off (null). */
export async function setDisplayLabel(
  config: KubeConfig,
  node: string,
  value: typeof DISPLAY_ACTIVE | null,
): Promise<void> {
  await kubeRequest(config, {
    method: 'PATCH',
    path: `/api/v1/nodes/${encodeURIComponent(node)}`,
    body: { metadata: { labels: { [LABEL_DISPLAY]: value } } },
  });
}

/** The node, or undefined when the cluster has none of that name. */
export async function getNode(config: KubeConfig, node: string): Promise<KubeNode | undefined> {
  try {
    return await kubeRequest<KubeNode>(config, { path: `/api/v1/nodes/${encodeURIComponent(node)}` });
  } catch (error) {
    if ((error as { status?: number }).status === 404) {
      return undefined;
    }
    throw error;
  }
}
