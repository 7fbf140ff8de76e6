import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const quietLogger = { isEnabled: false, add() {} } as unknown as Parameters<typeof validateConfiguration>[1];

/** electron-builder.yml as electron-builder itself loads it. */
async function loadConfig() {
  return getConfig(root, null, null);
}

describe('electron-builder.yml', () => {
  it('is valid against the schema of the electron-builder in use', async () => {
    const config = await loadConfig();
    await expect(validateConfiguration(config, quietLogger)).resolves.toBeUndefined();
  });

  it('is checked for real: an unknown option is refused', async () => {
    const config = await loadConfig();
    await expect(
      validateConfiguration(
        { ...config, linux: { ...config.linux, executable: 'kubedesk' } } as typeof config,
        quietLogger,
      ),
    ).rejects.toThrow(/configuration/);
  });

  it('builds the shell as io.kubedesk.shell, a kubedesk executable in System', async () => {
    const config = await loadConfig();
    expect(config).toMatchObject({
      appId: 'io.kubedesk.shell',
      productName: 'Kubedesk',
      linux: { executableName: 'kubedesk', category: 'System' },
    });
  });

  it('makes a .deb and an AppImage for 64-bit and 32-bit Raspberry Pi OS', async () => {
    const config = await loadConfig();
    const targets = config.linux?.target as { target: string; arch: string[] }[];
    expect(targets.map(({ target, arch }) => [target, [...arch].sort()])).toEqual([
      ['deb', ['arm64', 'armv7l']],
      ['AppImage', ['arm64', 'armv7l']],
    ]);
  });

  it('packages the compiled code the shell loads, and no sources', async () => {
    const config = await loadConfig();
    const patterns = (config.files as { filter: string[] }[]).flatMap((entry) => entry.filter);
    const included = patterns.filter((pattern) => !pattern.startsWith('!'));
    expect(included).toContain('package.json');
    for (const pattern of included.filter((pattern) => pattern !== 'package.json')) {
      expect(pattern).toMatch(/^dist\//);
    }
    // What Electron starts and what the shell loads at run time (main/shell.ts) are all included.
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { main: string };
    for (const file of [
      manifest.main,
      'dist/preload/preload.cjs',
      'dist/renderer/index.html',
      'dist/src/host/index.js',
    ]) {
      const folder = file.split('/').slice(0, 2).join('/');
      expect(included, file).toContain(`${folder}/**/*`);
    }
  });

  it('installs the X session, its script and the systemd user unit from the .deb', async () => {
    const config = await loadConfig();
    const mappings = Object.fromEntries(
      (config.deb?.fpm ?? []).map((pair) => {
        const [source, destination] = pair.split('=');
        return [destination, source];
      }),
    );
    expect(mappings).toEqual({
      '/usr/share/xsessions/kubedesk.desktop': 'assets/xsession/kubedesk.desktop',
      '/usr/lib/kubedesk/kubedesk-session': 'assets/xsession/kubedesk-session',
      '/usr/lib/systemd/user/kubedesk-shell.service': 'assets/systemd/kubedesk-shell.service',
    });
    // The display manager runs what the session entry names: it must be where the .deb puts the script.
    const session = readFileSync(`${root}/assets/xsession/kubedesk.desktop`, 'utf8');
    expect(session).toMatch(/^Exec=\/usr\/lib\/kubedesk\/kubedesk-session$/m);
    expect(session).toMatch(/^Type=Application$/m);
    // fpm keeps the mode: a script without the execute bit is a session that never starts.
    expect(statSync(`${root}/assets/xsession/kubedesk-session`).mode & 0o111).toBe(0o111);
    const unit = readFileSync(`${root}/assets/systemd/kubedesk-shell.service`, 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/kubedesk$/m);
    expect(unit).toMatch(/^WantedBy=graphical-session\.target$/m);
  });

  it('names only files that exist: icon, fpm sources, AppImage resources', async () => {
    const config = await loadConfig();
    const named = [
      String(config.linux?.icon),
      ...(config.deb?.fpm ?? []).map((pair) => pair.split('=')[0] ?? ''),
      ...((config.linux?.extraResources ?? []) as { from: string }[]).map((entry) => entry.from),
    ];
    expect(named).toContain('assets/xsession');
    expect(named).toContain('assets/systemd');
    const missing = named.filter((path) => !existsSync(`${root}/${path}`));
    expect(missing).toEqual([]);
  });
});
