import { describe, expect, it } from 'vitest';
import { desktopAppSpecSchema } from '../contract/index.js';
import { buildAppPod, HOME_PATH, homeClaimName, LAUNCH_SCRIPT } from './pod.js';

const display = { address: '127.1.0.1', displayNumber: 20, pulsePort: 4713 };
function app(spec: Record<string, unknown>) {
  return {
    id: 'editor',
    ...desktopAppSpecSchema.parse({ displayName: 'Editor', image: 'xedit:1', command: ['xedit'], ...spec }),
  };
}
type Pod = {
  metadata: { labels: Record<string, string> };
  spec: {
    securityContext: Record<string, unknown>;
    volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
    containers: {
      command: string[];
      env: { name: string; value?: string }[];
      volumeMounts: { name: string; mountPath: string }[];
    }[];
  };
};

describe('the app pod', () => {
  it('runs xpra around the app, as a non-root user, with the session labels', () => {
    const pod = buildAppPod({ app: app({}), session: 'editor-1a2b', display }) as Pod;
    const container = pod.spec.containers[0]!;
    expect(container.command.slice(0, 4)).toEqual(['sh', '-c', LAUNCH_SCRIPT, 'kubedesk-launch']);
    expect(container.command).toContain(`--start-child='xedit'`);
    expect(pod.metadata.labels['kubedesk.io/session']).toBe('editor-1a2b');
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
  });

  it('mounts the app’s own home claim when the home is persistent, and none otherwise', () => {
    const persistent = buildAppPod({ app: app({ persistentHome: true }), session: 'editor-1', display }) as Pod;
    expect(persistent.spec.volumes).toContainEqual({
      name: 'home',
      persistentVolumeClaim: { claimName: homeClaimName('editor') },
    });
    expect(persistent.spec.containers[0]!.volumeMounts).toContainEqual({ name: 'home', mountPath: HOME_PATH });
    expect(persistent.spec.containers[0]!.env).toContainEqual({ name: 'HOME', value: HOME_PATH });
    const fresh = buildAppPod({ app: app({}), session: 'editor-2', display }) as Pod;
    expect(fresh.spec.volumes.map((volume) => volume.name)).toEqual(['tmp']);
  });

  it('points x11-mode apps at the display over TCP and audio apps at its PulseAudio', () => {
    const pod = buildAppPod({ app: app({ displayMode: 'x11', audio: true }), session: 'editor-3', display }) as Pod;
    const env = pod.spec.containers[0]!.env;
    expect(env).toContainEqual({ name: 'DISPLAY', value: '127.1.0.1:20' });
    expect(env).toContainEqual({ name: 'PULSE_SERVER', value: 'tcp:127.1.0.1:4713' });
    expect(pod.spec.containers[0]!.command.slice(4)).toEqual(['xedit']);
  });
});
