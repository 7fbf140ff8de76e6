import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hardwareStateSchema, type HardwareState } from '../contract/index.js';
import { describeIssues } from '../rpc/index.js';

/**
 * The simulator's state on disk: one JSON document, written to a temporary file beside it and
 * renamed over it, so a crash mid-write leaves the old state or the new one, never half of each.
 */
export class StateFile {
  private writing: Promise<void> = Promise.resolve();
  private sequence = 0;

  constructor(readonly path: string) {}

  /** The saved state, or undefined when there is no file yet; throws naming the bad field. */
  async load(): Promise<HardwareState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`${this.path} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    const parsed = hardwareStateSchema.safeParse(json);
    if (!parsed.success) {
      throw new Error(`${this.path} is not a hardware state: ${describeIssues(parsed.error, 'state')}`);
    }
    return parsed.data;
  }

  /** Writes in the order called; resolves when this state is on disk. */
  save(state: HardwareState): Promise<void> {
    const text = JSON.stringify(state, null, 2) + '\n';
    const temporary = `${this.path}.${process.pid}.${++this.sequence}.tmp`;
    const write = async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, this.path);
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}
