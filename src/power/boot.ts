import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeNode } from '../cluster/index.js';
import { getNode } from '../display/labels.js';

/** The API server is asked this often while a node boots: a boot takes tens of seconds. */
const BOOT_POLL_MS = 1_000;

interface BootingNode extends KubeNode {
  status?: KubeNode['status'] & { nodeInfo?: { bootID?: string } };
}

/** The kubelet's `status.nodeInfo.bootID`: new on every boot; empty where a kubelet does not say. */
export function bootId(node: BootingNode | undefined): string {
  return node?.status?.nodeInfo?.bootID ?? '';
}

/** The node's Ready condition is True. */
export function isReady(node: BootingNode | undefined): boolean {
  return (
    node?.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false
  );
}

/**
 * Waits until the node is Ready after a boot: Ready, and with a boot ID other than `before` when
 * there was one (a Ready condition from before the power cut can linger for the node monitor's
 * grace period, 40 s by default). False when `timeoutMs` passes first.
 */
export async function waitForBoot(
  config: KubeConfig,
  node: string,
  before: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = (await getNode(config, node).catch(() => undefined)) as BootingNode | undefined;
    if (isReady(current) && (before === '' || bootId(current) !== before)) {
      return true;
    }
    if (Date.now() + BOOT_POLL_MS > deadline) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, BOOT_POLL_MS));
  }
}
