import { basename } from 'node:path';
import { desktopAppSpecSchema, type DesktopAppSpec } from '../contract/index.js';
import { describeIssues } from '../rpc/index.js';

/** The parts of a freedesktop `.desktop` entry a DesktopApp is made from. */
export interface DesktopEntry {
  name: string;
  icon: string | null;
  categories: string[];
  /** Exec as an argument array, field codes (%f, %U, …) removed. */
  exec: string[];
  /** `Terminal=true`: the program needs a terminal to show. */
  terminal: boolean;
}

/** A .desktop file that cannot be turned into an app, with the file, line or key that is wrong. */
export class DesktopEntryError extends Error {
  override readonly name = 'DesktopEntryError';
}

/** Field codes of the Exec key: they stand for files or URLs a launcher passes; an app pod gets none. */
const FIELD_CODES = new Set(['f', 'F', 'u', 'U', 'i', 'c', 'k', 'd', 'D', 'n', 'N', 'v', 'm']);

/**
 * Splits an Exec value into arguments by the Desktop Entry Specification's rules: spaces
 * separate, double quotes group, and inside quotes a backslash escapes `"`, `` ` ``, `$` and `\`.
 * No shell is involved at any point.
 */
export function splitExec(value: string, where: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let inWord = false;
  for (let index = 0; index < value.length; index++) {
    const character = value[index]!;
    if (quoted) {
      if (character === '\\') {
        const next = value[index + 1];
        if (next === undefined || !'"`$\\'.includes(next)) {
          throw new DesktopEntryError(`${where}: a backslash inside quotes must escape " \` $ or \\`);
        }
        word += next;
        index++;
      } else if (character === '"') {
        quoted = false;
      } else {
        word += character;
      }
    } else if (character === '"') {
      quoted = true;
      inWord = true;
    } else if (character === ' ' || character === '\t') {
      if (inWord) {
        words.push(word);
        word = '';
        inWord = false;
      }
    } else {
      word += character;
      inWord = true;
    }
  }
  if (quoted) {
    throw new DesktopEntryError(`${where}: a double quote is not closed`);
  }
  if (inWord) {
    words.push(word);
  }
  return words
    .filter((argument) => !(argument.length === 2 && argument[0] === '%' && FIELD_CODES.has(argument[1]!)))
    .map((argument) => argument.replaceAll('%%', '%'));
}

/** Parses the `[Desktop Entry]` group of a .desktop file. */
export function parseDesktopEntry(text: string, source: string): DesktopEntry {
  const keys = new Map<string, string>();
  let group = '';
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      return;
    }
    if (trimmed.startsWith('[')) {
      group = trimmed;
      return;
    }
    const equals = line.indexOf('=');
    if (equals < 0) {
      throw new DesktopEntryError(`${source}:${index + 1}: not a "Key=Value" line`);
    }
    if (group === '[Desktop Entry]') {
      keys.set(line.slice(0, equals).trim(), line.slice(equals + 1).trim());
    }
  });
  if (group === '' && keys.size === 0) {
    throw new DesktopEntryError(`${source}: has no [Desktop Entry] group`);
  }
  const type = keys.get('Type');
  if (type !== undefined && type !== 'Application') {
    throw new DesktopEntryError(`${source}: Type is "${type}"; only Application entries can be apps`);
  }
  const name = keys.get('Name');
  if (!name) {
    throw new DesktopEntryError(`${source}: the Name key is missing`);
  }
  const execValue = keys.get('Exec');
  if (!execValue) {
    throw new DesktopEntryError(`${source}: the Exec key is missing`);
  }
  const exec = splitExec(execValue, `${source}: Exec`);
  if (exec.length === 0) {
    throw new DesktopEntryError(`${source}: Exec names no program`);
  }
  return {
    name,
    icon: keys.get('Icon') || null,
    categories: (keys.get('Categories') ?? '').split(';').filter((category) => category !== ''),
    exec,
    terminal: keys.get('Terminal') === 'true',
  };
}

/** A DesktopApp name from the file name: "org.gnome.Maps.desktop" → "org.gnome.maps". */
export function appIdFrom(file: string): string {
  const id = basename(file)
    .replace(/\.desktop$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (id === '') {
    throw new DesktopEntryError(`${file}: cannot make an app name from the file name; pass --name`);
  }
  return id.slice(0, 253);
}

/**
 * A DesktopApp for a .desktop entry and an image that has the program. Programs that need a
 * terminal run inside xterm. The result is checked by the catalog's own schema.
 */
export function desktopAppFrom(entry: DesktopEntry, options: { id: string; image: string }): Record<string, unknown> {
  const command = entry.terminal ? ['xterm', '-T', entry.name, '-e', ...entry.exec] : entry.exec;
  const spec: Record<string, unknown> = {
    displayName: entry.name.slice(0, 80),
    ...(entry.icon ? { icon: entry.icon } : {}),
    categories: entry.categories.slice(0, 10),
    image: options.image,
    command,
  };
  const parsed = desktopAppSpecSchema.safeParse(spec);
  if (!parsed.success) {
    throw new DesktopEntryError(`the entry does not make a valid app: ${describeIssues(parsed.error, 'spec')}`);
  }
  const checked: Partial<DesktopAppSpec> = spec;
  return { apiVersion: 'kubedesk.io/v1alpha1', kind: 'DesktopApp', metadata: { name: options.id }, spec: checked };
}
