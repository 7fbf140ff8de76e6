/**
 * The reference firmware (assets/firmware/kubedesk-controller) builds with Debian's AVR toolchain
 * and Arduino core (arduino-mk, gcc-avr, avr-libc, arduino-core-avr: bin/setup installs them) and
 * fits the boards it is for, with room left for the stack.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../host/package.js';

const run = promisify(execFile);
const FIRMWARE = join(packageRoot(), 'assets', 'firmware', 'kubedesk-controller');
const BOARDS_TXT = '/usr/share/arduino/hardware/arduino/avr/boards.txt';
/**
 * RAM kept free of globals for the stack: the deepest call (a request with its header line,
 * parsed fields and reply buffer) needs about 500 bytes; the rest is margin for interrupts.
 */
const STACK_RESERVE_BYTES = 768;
/** Compiling the core and the sketch takes seconds; the limit is for a loaded CI machine. */
const BUILD_TIMEOUT_MS = 180_000;

let output: string;
beforeAll(async () => {
  output = await mkdtemp(join(tmpdir(), 'kubedesk-firmware-'));
});
afterAll(async () => {
  await rm(output, { recursive: true, force: true });
});

/**
 * `uno.upload.maximum_size` and `…maximum_data_size`, as the Arduino core itself states them; a
 * board with a CPU menu keeps its flash size under the menu entry and its RAM size on the board.
 */
async function boardLimits(board: string, cpu?: string): Promise<{ flash: number; ram: number }> {
  const text = await readFile(BOARDS_TXT, 'utf8');
  const value = (key: string, name: string) => {
    const match = new RegExp(`^${key.replace(/\./g, '\\.')}\\.upload\\.${name}=(\\d+)$`, 'm').exec(text);
    if (!match) {
      throw new Error(`${BOARDS_TXT} has no ${key}.upload.${name}`);
    }
    return Number(match[1]);
  };
  const flashKey = cpu === undefined ? board : `${board}.menu.cpu.${cpu}`;
  return { flash: value(flashKey, 'maximum_size'), ram: value(board, 'maximum_data_size') };
}

/** Builds with `make` (an argument array, no shell) and measures the ELF with avr-size. */
async function build(board: string, defines: string[] = []): Promise<{ flash: number; ram: number; log: string }> {
  const objects = join(output, `${board}-${defines.length}`);
  const args = ['-C', FIRMWARE, `BOARD_TAG=${board}`, `OBJDIR=${objects}`, `KD_DEFINES=${defines.join(' ')}`];
  const { stdout, stderr } = await run('make', args, { timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`make ${args.join(' ')} failed: ${error.message}\n${error.stderr ?? ''}`.slice(0, 8000));
    },
  );
  const elf = (await readdir(objects)).find((name) => name.endsWith('.elf'));
  expect(elf, `no .elf in ${objects}`).toBeDefined();
  const sizes = (await run('avr-size', ['-A', join(objects, elf!)])).stdout;
  const section = (name: string) => Number(new RegExp(`^\\${name}\\s+(\\d+)`, 'm').exec(sizes)?.[1] ?? 0);
  return {
    flash: section('.text') + section('.data'),
    ram: section('.data') + section('.bss'),
    log: stdout + stderr,
  };
}

/** Compiler warnings in the firmware's own files (the Arduino core has its own, not ours to fix). */
function ownWarnings(log: string): string[] {
  return log
    .split('\n')
    .filter((line) => /^(desk|http|w5x00|kubedesk-controller)[\w.-]*:\d+:\d+: (warning|error)/.test(line));
}

// Compiling a sketch takes a few seconds alone and much longer on 2 busy cores: no timing check.
describe('the reference firmware', { timeout: BUILD_TIMEOUT_MS }, () => {
  it('builds for an Uno with a GPIO-driven switch, without warnings, and fits with room for the stack', async () => {
    const limits = await boardLimits('uno');
    const size = await build('uno');
    expect(ownWarnings(size.log)).toEqual([]);
    expect(size.flash).toBeLessThanOrEqual(limits.flash);
    expect(size.ram).toBeLessThanOrEqual(limits.ram - STACK_RESERVE_BYTES);
    console.log(
      `firmware on uno: ${size.flash} of ${limits.flash} bytes of flash, ${size.ram} of ${limits.ram} of RAM`,
    );
  });

  it('builds for a Mega 2560 with a serial-driven switch and fits', async () => {
    const limits = await boardLimits('mega', 'atmega2560');
    const size = await build('mega', ['-DKD_HDMI_MODE=2']);
    expect(ownWarnings(size.log)).toEqual([]);
    expect(size.flash).toBeLessThanOrEqual(limits.flash);
    expect(size.ram).toBeLessThanOrEqual(limits.ram - STACK_RESERVE_BYTES);
  });
});
