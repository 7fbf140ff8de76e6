import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeconfigPath, kubectl } from '../../test/support/kube.js';
import { kubedeskBin } from '../../test/support/processes.js';

const run = promisify(execFile);

describe('kubedesk apps import', () => {
  afterAll(async () => {
    await kubectl('delete', 'desktopapp', 'imported-vim', '--ignore-not-found').catch(() => undefined);
  });

  it('creates a DesktopApp from a real .desktop file that the catalog accepts', async () => {
    await kubectl('apply', '-f', 'deploy/crds/desktopapp.yaml');
    await kubectl('wait', '--for=condition=Established', 'crd/desktopapps.kubedesk.io', '--timeout=60s');
    await run(
      process.execPath,
      [
        kubedeskBin,
        'apps',
        'import',
        '/usr/share/applications/vim.desktop',
        '--image',
        'vim:9',
        '--name',
        'imported-vim',
        '--apply',
      ],
      { env: { ...process.env, KUBECONFIG: kubeconfigPath() } },
    );
    const app = JSON.parse(await kubectl('get', 'desktopapp', 'imported-vim', '-o', 'json')) as {
      spec: { displayName: string; command: string[]; displayMode: string };
    };
    expect(app.spec).toMatchObject({
      displayName: 'Vim',
      command: ['xterm', '-T', 'Vim', '-e', 'vim'],
      displayMode: 'xpra',
    });
  });
});
