import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displaySecretsFromSession } from './display-secrets.js';

const run = promisify(execFile);

describe("the display's cookies", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'kubedesk-cookies-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads the X cookie with xauth and the PulseAudio cookie from its file', async () => {
    const authority = join(folder, 'Xauthority');
    await run('xauth', ['-f', authority, 'add', ':42', 'MIT-MAGIC-COOKIE-1', '00112233445566778899aabbccddeeff']);
    await mkdir(join(folder, '.config', 'pulse'), { recursive: true });
    await writeFile(join(folder, '.config', 'pulse', 'cookie'), Buffer.from([1, 2, 3]));
    const secrets = await displaySecretsFromSession(':42', {
      PATH: process.env.PATH,
      HOME: folder,
      XAUTHORITY: authority,
    });
    expect(secrets.x11Cookie).toBe('00112233445566778899aabbccddeeff');
    expect([...secrets.pulseCookie!]).toEqual([1, 2, 3]);
  });

  it('offers what it finds, and nothing for what is missing', async () => {
    const secrets = await displaySecretsFromSession(':43', {
      PATH: process.env.PATH,
      HOME: join(folder, 'nobody'),
      XAUTHORITY: join(folder, 'none'),
    });
    expect(secrets).toEqual({});
  });
});
