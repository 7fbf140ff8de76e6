import { describe, expect, it } from 'vitest';
import { catalogFrom, parseDesktopApp } from './catalog.js';

const entry = (name: string, spec: unknown) => ({ metadata: { name }, spec });

describe('the app catalog', () => {
  it('loads good entries with defaults and reports bad ones by field', () => {
    const catalog = catalogFrom(
      [
        entry('terminal', { displayName: 'Terminal', image: 'xterm:1', command: ['xterm'] }),
        entry('broken', { displayName: 'Broken', image: 'x:1', command: 'xterm -e sh' }),
        entry('noimage', { displayName: 'No image', command: ['x'] }),
        entry('pool', { displayName: 'Pool', image: 'x:1', command: ['x'], warmPoolSize: 99 }),
        entry('editor', { displayName: 'Editor', image: 'xedit:1', command: ['xedit'], displayMode: 'x11' }),
      ].map(parseDesktopApp),
    );
    expect(catalog.apps.map((app) => app.id)).toEqual(['editor', 'terminal']);
    const terminal = catalog.apps.find((app) => app.id === 'terminal')!;
    expect(terminal).toMatchObject({ displayMode: 'xpra', audio: false, warmPoolSize: 0, env: [], categories: [] });
    expect(catalog.problems).toEqual([
      { id: 'broken', message: expect.stringMatching(/^left out: spec\.command: .*array/) },
      { id: 'noimage', message: expect.stringMatching(/spec\.image/) },
      { id: 'pool', message: expect.stringMatching(/spec\.warmPoolSize: .*8/) },
    ]);
  });

  it('keeps shell metacharacters in a command as literal arguments', () => {
    const parsed = parseDesktopApp(
      entry('tricky', {
        displayName: 'Tricky',
        image: 'x:1',
        command: ['xterm', '-T', '$(rm -rf ~); `id` | tee "x" & y'],
      }),
    );
    expect(parsed.ok && parsed.app.command).toEqual(['xterm', '-T', '$(rm -rf ~); `id` | tee "x" & y']);
  });

  it('refuses unknown fields rather than ignoring a typo', () => {
    const parsed = parseDesktopApp(entry('typo', { displayName: 'T', image: 'x:1', command: ['x'], comand: ['y'] }));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem.message).toMatch(/comand/);
  });
});
