import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeconfigError, loadKubeconfig, parseKubeconfig } from './kubeconfig.js';

const GOOD = `apiVersion: v1
kind: Config
clusters:
- name: pis
  cluster:
    server: https://127.0.0.1:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: abc
contexts:
- name: home
  context: { cluster: pis, user: admin }
current-context: home
`;

describe('kubeconfig', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'kubedesk-kubeconfig-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('loads a good file and points at its server', () => {
    const config = parseKubeconfig(GOOD, 'good.yaml');
    expect(config.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(config.getCurrentUser()?.name).toBe('admin');
  });

  it.each([
    ['clusters: [', 'good.yaml: not YAML'],
    ['', 'is empty or not a YAML mapping'],
    [
      GOOD.replace('server: https://127.0.0.1:6443', 'server: 127.0.0.1:6443'),
      'clusters.0.cluster.server: must be an http(s) URL',
    ],
    [
      GOOD.replace('current-context: home', 'current-context: office'),
      'current-context: names context "office", which is not in contexts',
    ],
    [
      GOOD.replace('{ cluster: pis, user: admin }', '{ cluster: other, user: admin }'),
      'contexts[0].context.cluster: names cluster "other"',
    ],
    [
      GOOD.replace('{ cluster: pis, user: admin }', '{ cluster: pis, user: nobody }'),
      'contexts[0].context.user: names user "nobody"',
    ],
    [
      GOOD.replace(/users:\n- name: admin\n {2}user:\n {4}token: abc\n/, 'users: []\n'),
      'users: must list at least one user',
    ],
  ])('names the file and the field when it is wrong (%#)', (text, message) => {
    expect(() => parseKubeconfig(text, 'good.yaml')).toThrow(KubeconfigError);
    expect(() => parseKubeconfig(text, 'good.yaml')).toThrow(message);
  });

  it('prefers an explicit path, then KUBECONFIG, then ~/.kube/config', async () => {
    const explicit = join(folder, 'explicit');
    await writeFile(explicit, GOOD.replace('6443', '7001'));
    const fromEnv = join(folder, 'env');
    await writeFile(fromEnv, GOOD.replace('6443', '7002'));
    const home = join(folder, 'home');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(home, '.kube'), { recursive: true });
    await writeFile(join(home, '.kube', 'config'), GOOD.replace('6443', '7003'));
    const server = (options: Parameters<typeof loadKubeconfig>[0]) =>
      loadKubeconfig(options).config.getCurrentCluster()?.server;
    expect(server({ path: explicit, env: { KUBECONFIG: fromEnv }, home })).toContain('7001');
    expect(server({ env: { KUBECONFIG: `${fromEnv}:${explicit}` }, home })).toContain('7002');
    expect(server({ env: {}, home })).toContain('7003');
  });

  it('says which file is missing', () => {
    const missing = join(folder, 'nope');
    expect(() => loadKubeconfig({ path: missing })).toThrow(`kubeconfig ${missing}: file not found`);
    expect(() => loadKubeconfig({ env: {}, home: join(folder, 'empty-home') })).toThrow(
      /not found, KUBECONFIG is not set/,
    );
  });
});
