import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_MAX_ENTRIES, HistoryStore } from './history.js';
import { HISTORY_ARGUMENT_MAX_BYTES, historyArgument } from './integration.js';

describe("a tab's command history", () => {
  let state: string;
  const historyFolder = () => join(state, 'terminal', 'history');

  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), 'kubedesk-history-'));
  });

  afterEach(async () => {
    await rm(state, { recursive: true, force: true });
  });

  it('survives a host restart, per tab', async () => {
    const first = new HistoryStore(state);
    first.add('tab-a', 'cd /srv && ls');
    first.add('tab-a', 'kubectl get pods -A');
    first.add('tab-b', 'htop');
    await first.flush();

    const restarted = new HistoryStore(state);
    expect(await restarted.load('tab-a')).toEqual(['cd /srv && ls', 'kubectl get pods -A']);
    expect(await restarted.load('tab-b')).toEqual(['htop']);
    expect(await restarted.load('tab-new')).toEqual([]);
  });

  it('is private to the user who runs the host', async () => {
    const store = new HistoryStore(state);
    store.add('tab-a', 'export TOKEN=secret');
    await store.flush();
    const { stat } = await import('node:fs/promises');
    expect((await stat(join(historyFolder(), 'tab-a.json'))).mode & 0o077).toBe(0);
    expect((await stat(historyFolder())).mode & 0o077).toBe(0);
  });

  it(`keeps the newest ${HISTORY_MAX_ENTRIES} commands`, async () => {
    const store = new HistoryStore(state);
    for (let index = 0; index < HISTORY_MAX_ENTRIES + 10; index++) {
      store.add('tab-a', `echo ${index}`);
    }
    await store.flush();
    const commands = await new HistoryStore(state).load('tab-a');
    expect(commands).toHaveLength(HISTORY_MAX_ENTRIES);
    expect(commands[0]).toBe('echo 10');
    expect(commands.at(-1)).toBe(`echo ${HISTORY_MAX_ENTRIES + 9}`);
  });

  it('starts empty from an unreadable file, and replaces it at the next save', async () => {
    await mkdir(historyFolder(), { recursive: true });
    await writeFile(join(historyFolder(), 'tab-a.json'), '{"version":1,"commands":["half');
    const store = new HistoryStore(state);
    expect(await store.load('tab-a')).toEqual([]);
    store.add('tab-a', 'uptime');
    await store.flush();
    expect(await new HistoryStore(state).load('tab-a')).toEqual(['uptime']);
  });

  it('writes aside and renames: a write that fails leaves the previous history whole', async () => {
    const store = new HistoryStore(state);
    store.add('tab-a', 'first');
    await store.flush();
    const previous = await readFile(join(historyFolder(), 'tab-a.json'), 'utf8');
    // The write aside fails (its name is taken by a folder), as a full disk or a crash would.
    await mkdir(join(historyFolder(), `tab-a.json.${process.pid}.tmp`));
    store.add('tab-a', 'second');
    await store.flush();
    expect(await readFile(join(historyFolder(), 'tab-a.json'), 'utf8')).toBe(previous);
    expect(await new HistoryStore(state).load('tab-a')).toEqual(['first']);
  });

  it('leaves no temporary file behind after a save', async () => {
    const store = new HistoryStore(state);
    store.add('tab-a', 'df -h');
    await store.flush();
    expect(await readdir(historyFolder())).toEqual(['tab-a.json']);
  });
});

describe('the history a new shell gets', () => {
  const decode = (argument: string) => Buffer.from(argument, 'base64').toString('utf8').split('\n').slice(0, -1);

  it('is the whole history when it is small, oldest first, one command per line', () => {
    expect(decode(historyArgument(['ls', 'for f in *; do\necho "$f"; done', 'cd /tmp']))).toEqual([
      'ls',
      'for f in *; do echo "$f"; done',
      'cd /tmp',
    ]);
    expect(historyArgument([])).toBe('');
  });

  it(`is cut to the newest commands that fit ${HISTORY_ARGUMENT_MAX_BYTES / 1024} KiB of exec argument`, () => {
    const history = Array.from(
      { length: HISTORY_MAX_ENTRIES },
      (_, index) => `echo command-${index} ${'ü'.repeat(40)}`,
    );
    const argument = historyArgument(history);
    expect(argument.length).toBeLessThanOrEqual(HISTORY_ARGUMENT_MAX_BYTES);
    const kept = decode(argument);
    // The newest are kept, the oldest dropped; the budget is mostly used, not wasted.
    expect(kept.at(-1)).toBe(history.at(-1));
    expect(kept).toEqual(history.slice(history.length - kept.length));
    expect(kept.length).toBeLessThan(history.length);
    expect(argument.length).toBeGreaterThan(HISTORY_ARGUMENT_MAX_BYTES * 0.9);
  });
});
