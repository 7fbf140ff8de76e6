import { OSC_COMMAND } from './integration.js';

/** An OSC that never ends is not waited for past this: it is shown as text, not held back. */
const OSC_MAX_CHARS = 64 * 1024;

export interface ShellReport {
  directory?: string;
  command?: string;
}

/** The path of an OSC 7 `file://host/path` URL (percent-decoded when it is encoded). */
export function directoryFromOsc7(payload: string): string | null {
  const match = /^file:\/\/[^/]*(\/.*)$/.exec(payload);
  if (!match) {
    return null;
  }
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}

/**
 * Watches a terminal's output for the shell integration's reports: OSC 7 (working directory)
 * and OSC 6973 (a command typed). Sequences may be split across chunks; the output itself is
 * passed on untouched (xterm.js ignores OSCs it does not know).
 */
export class OscTracker {
  private carry = '';

  feed(text: string): ShellReport[] {
    const input = this.carry + text;
    this.carry = '';
    const reports: ShellReport[] = [];
    let from = 0;
    for (;;) {
      const start = input.indexOf('\x1b]', from);
      if (start < 0) {
        // A chunk may end between the ESC and the "]" of a report: keep the ESC for the next one.
        if (input.endsWith('\x1b') && input.length - 1 >= from) {
          this.carry = '\x1b';
        }
        break;
      }
      const bell = input.indexOf('\x07', start);
      const stringTerminator = input.indexOf('\x1b\\', start);
      const ends = [bell, stringTerminator].filter((index) => index >= 0);
      if (ends.length === 0) {
        if (input.length - start <= OSC_MAX_CHARS) {
          this.carry = input.slice(start);
        }
        break;
      }
      const end = Math.min(...ends);
      const body = input.slice(start + 2, end);
      from = end + 1;
      const separator = body.indexOf(';');
      const number = separator < 0 ? body : body.slice(0, separator);
      const payload = separator < 0 ? '' : body.slice(separator + 1);
      if (number === '7') {
        const directory = directoryFromOsc7(payload);
        if (directory !== null) {
          reports.push({ directory });
        }
      } else if (number === String(OSC_COMMAND) && payload.startsWith('command;')) {
        const command = Buffer.from(payload.slice('command;'.length), 'base64').toString('utf8');
        if (command.trim() !== '') {
          reports.push({ command });
        }
      }
    }
    return reports;
  }
}
