import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as electronStandIn from './testing/electron.js';

type StandIn = typeof electronStandIn;

/**
 * main.ts runs on import, so each test loads a fresh module graph: a fresh electron stand-in,
 * prepared first, then the entry, which gets that same stand-in for `electron`.
 */
async function runEntry(prepare: (electron: StandIn) => void = () => {}): Promise<StandIn> {
  vi.resetModules();
  const electron = await import('./testing/electron.js');
  prepare(electron);
  await import('./main.js');
  // startShell runs asynchronously after the import.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return electron;
}

beforeEach(() => {
  // The host must not find a developer's real cluster: these tests are about the Electron entry.
  vi.stubEnv('KUBECONFIG', '/nonexistent/kubeconfig');
});

afterEach(() => {
  vi.doUnmock('./shell.js');
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('the Electron entry', () => {
  it('starts the shell when it holds the single-instance lock', async () => {
    const { app, BrowserWindow, resetElectron } = await runEntry();
    expect(BrowserWindow.created.map((window) => window.options.type)).toEqual(['dock', 'toolbar']);
    expect(app.quitCalls).toBe(0);
    expect(app.exitCodes).toEqual([]);
    resetElectron();
  });

  it('quits without opening a window when another shell holds the lock', async () => {
    const { app, BrowserWindow } = await runEntry((electron) => {
      electron.app.singleInstanceLockAvailable = false;
    });
    expect(app.quitCalls).toBe(1);
    expect(BrowserWindow.created).toEqual([]);
  });

  it('exits with status 1 and says why when the shell cannot start', async () => {
    vi.doMock('./shell.js', () => ({ startShell: () => Promise.reject(new Error('no display')) }));
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { app } = await runEntry();
    expect(app.exitCodes).toEqual([1]);
    expect(error).toHaveBeenCalledWith(expect.stringContaining('no display'));
  });
});
