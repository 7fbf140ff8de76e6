import { describe, expect, it } from 'vitest';
import { OSC_COMMAND } from './integration.js';
import { directoryFromOsc7, OscTracker } from './osc.js';

/** What the shell integration prints at a prompt for a command typed. */
function commandReport(command: string, terminator = '\x07'): string {
  return `\x1b]${OSC_COMMAND};command;${Buffer.from(command, 'utf8').toString('base64')}${terminator}`;
}

describe('the shell integration reports in terminal output', () => {
  it('finds the working directory and the command typed among ordinary output', () => {
    const tracker = new OscTracker();
    const reports = tracker.feed(
      `total 0\r\n${commandReport('ls -la /srv')}\x1b]7;file://pi-3/srv/data\x07root@pi-3:/srv/data# `,
    );
    expect(reports).toEqual([{ command: 'ls -la /srv' }, { directory: '/srv/data' }]);
  });

  it('accepts both terminators, BEL and ESC \\', () => {
    const tracker = new OscTracker();
    expect(tracker.feed(`\x1b]7;file://pi-1/home/pi\x1b\\${commandReport('make', '\x1b\\')}`)).toEqual([
      { directory: '/home/pi' },
      { command: 'make' },
    ]);
  });

  it('reassembles a report split across chunks, however it is cut', () => {
    const stream = `before ${commandReport('echo "héllo wörld" | wc -c')} after\x1b]7;file://pi-2/tmp/a%20b\x07`;
    for (let cut = 1; cut < stream.length; cut++) {
      const tracker = new OscTracker();
      const reports = [...tracker.feed(stream.slice(0, cut)), ...tracker.feed(stream.slice(cut))];
      expect(reports).toEqual([{ command: 'echo "héllo wörld" | wc -c' }, { directory: '/tmp/a b' }]);
    }
  });

  it('keeps non-ASCII commands and directories intact', () => {
    const tracker = new OscTracker();
    expect(tracker.feed(`${commandReport('cd ~/Bilder/Ürlaub 📷')}\x1b]7;file://pi-1/home/pi/%C3%9Crlaub\x07`)).toEqual(
      [{ command: 'cd ~/Bilder/Ürlaub 📷' }, { directory: '/home/pi/Ürlaub' }],
    );
  });

  it('ignores other OSCs (window titles, hyperlinks) and blank commands', () => {
    const tracker = new OscTracker();
    const output = `\x1b]0;root@pi-1: ~\x07\x1b]8;;https://example.org\x07link\x1b]8;;\x07${commandReport('   ')}`;
    expect(tracker.feed(output)).toEqual([]);
  });

  it('does not hold back an OSC that never ends: later reports are still found', () => {
    const tracker = new OscTracker();
    // An unterminated sequence larger than any report (a binary file shown by mistake).
    expect(tracker.feed(`\x1b]2;${'x'.repeat(100 * 1024)}`)).toEqual([]);
    expect(tracker.feed('\x1b]7;file://pi-4/var/log\x07')).toEqual([{ directory: '/var/log' }]);
  });

  it('reads the path of an OSC 7 URL, undecoded when its escapes are broken', () => {
    expect(directoryFromOsc7('file://pi-1/home/pi')).toBe('/home/pi');
    expect(directoryFromOsc7('file:///root')).toBe('/root');
    expect(directoryFromOsc7('file://pi-1/100%')).toBe('/100%');
    expect(directoryFromOsc7('https://pi-1/home')).toBeNull();
  });
});
