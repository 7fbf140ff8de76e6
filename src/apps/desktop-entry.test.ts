import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { appIdFrom, desktopAppFrom, DesktopEntryError, parseDesktopEntry, splitExec } from './desktop-entry.js';

describe('freedesktop entries', () => {
  it('imports the real xterm and vim entries of this machine', async () => {
    const xterm = parseDesktopEntry(await readFile('/usr/share/applications/debian-xterm.desktop', 'utf8'), 'xterm');
    expect(xterm).toMatchObject({ name: 'XTerm', icon: 'mini.xterm', exec: ['xterm'], terminal: false });
    expect(xterm.categories).toEqual(['System', 'TerminalEmulator']);
    const app = desktopAppFrom(xterm, {
      id: appIdFrom('/usr/share/applications/debian-xterm.desktop'),
      image: 'xterm:1',
    });
    expect(app).toMatchObject({
      metadata: { name: 'debian-xterm' },
      spec: { displayName: 'XTerm', command: ['xterm'] },
    });

    const vim = parseDesktopEntry(await readFile('/usr/share/applications/vim.desktop', 'utf8'), 'vim');
    // %F stands for files a launcher would pass: gone. Terminal=true: it runs in an xterm.
    expect(vim.exec).toEqual(['vim']);
    expect(desktopAppFrom(vim, { id: 'vim', image: 'vim:1' })).toMatchObject({
      spec: { command: ['xterm', '-T', 'Vim', '-e', 'vim'] },
    });
  });

  it('splits Exec by the specification, never through a shell', () => {
    expect(splitExec('sh -c "echo \\"hi\\" \\$HOME; ls" %u 100%%', 'Exec')).toEqual([
      'sh',
      '-c',
      'echo "hi" $HOME; ls',
      '100%',
    ]);
    expect(() => splitExec('app "unclosed', 'Exec')).toThrow(/not closed/);
  });

  it('names what is missing', () => {
    expect(() => parseDesktopEntry('[Desktop Entry]\nName=X\n', 'x.desktop')).toThrow(
      'x.desktop: the Exec key is missing',
    );
    expect(() => parseDesktopEntry('[Desktop Entry]\nType=Link\nName=X\nExec=x\n', 'x.desktop')).toThrow(
      /only Application/,
    );
    expect(() => parseDesktopEntry('[Desktop Entry]\nName X\n', 'x.desktop')).toThrow(DesktopEntryError);
  });
});
