/**
 * The CEC driver. The real cec-ctl (v4l-utils, installed by bin/setup) runs here but has no CEC
 * device to open: it is run for real to check the driver's handling of that failure. Talking to
 * a TV is tested against cec-ctl's documented behaviour instead: an executable that prints what
 * cec-ctl 1.22 prints for each message (its output lines are taken from the format strings of
 * utils/cec-ctl/cec-ctl.cpp: "Transmit from … to … (4 to 0):", the message name, "\tSequence: …
 * Tx Timestamp: …", and a status line such as "\tTx, Not Acknowledged (4), Max Retries" when the
 * TV did not take it) and records the arguments it was given.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubedeskError } from '../../contract/index.js';
import { CecClient, CecSwitch } from './cec.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kubedesk-cec-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/**
 * Writes the recorded cec-ctl. `tv` is how the TV behaves: `on` acknowledges and reports power
 * on, `absent` acknowledges nothing. The adapter starts unconfigured unless `configured`.
 */
async function recordedCecCtl(options: { tv: 'on' | 'absent'; configured: boolean }): Promise<string> {
  const program = join(directory, 'cec-ctl');
  const log = join(directory, 'calls.jsonl');
  const stateFile = join(directory, 'configured');
  if (options.configured) {
    await writeFile(stateFile, 'yes');
  }
  const script = `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n');
if (args.includes('--playback')) {
  fs.writeFileSync(${JSON.stringify(stateFile)}, 'yes');
  process.exit(0);
}
if (!fs.existsSync(${JSON.stringify(stateFile)})) {
  // No logical address: cec-ctl prints nothing more and exits 0.
  process.exit(0);
}
const tvAcks = ${JSON.stringify(options.tv === 'on')};
const nack = '\\tTx, Not Acknowledged (4), Max Retries\\n';
const sequence = '\\tSequence: 7 Tx Timestamp: 1043.651s';
let out = '';
if (args.includes('--image-view-on')) {
  out = '\\nTransmit from Playback Device 1 to TV (4 to 0):\\nIMAGE_VIEW_ON (0x04)\\n' + sequence + '\\n' + (tvAcks ? '' : nack);
} else if (args.includes('--standby')) {
  out = '\\nTransmit from Playback Device 1 to TV (4 to 0):\\nSTANDBY (0x36)\\n' + sequence + '\\n' + (tvAcks ? '' : nack);
} else if (args.includes('--active-source')) {
  const address = args[args.indexOf('--active-source') + 1].replace('phys-addr=', '');
  out = '\\nTransmit from Playback Device 1 to all (4 to 15):\\nACTIVE_SOURCE (0x82):\\n\\tphys-addr: ' + address + '\\n' + sequence + '\\n';
} else if (args.includes('--give-device-power-status')) {
  out = tvAcks
    ? '\\nTransmit from Playback Device 1 to TV (4 to 0):\\nGIVE_DEVICE_POWER_STATUS (0x8f)\\n    Received from TV (0):\\n    REPORT_POWER_STATUS (0x90):\\n\\tpwr-state: on (0x00)\\n' + sequence + ' Rx Timestamp: 1043.712s\\n\\tApproximate response time: 37 ms\\n'
    : '\\nTransmit from Playback Device 1 to TV (4 to 0):\\nGIVE_DEVICE_POWER_STATUS (0x8f)\\n' + sequence + '\\n' + nack;
}
process.stdout.write(out);
`;
  await writeFile(program, script);
  await chmod(program, 0o755);
  return program;
}

async function calls(): Promise<string[][]> {
  const text = await readFile(join(directory, 'calls.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as string[]);
}

async function failure(promise: Promise<unknown>): Promise<KubedeskError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(KubedeskError);
  return error as KubedeskError;
}

describe('the CEC driver', () => {
  it('says what the real cec-ctl says when there is no CEC device', async () => {
    // Skips only if v4l-utils is missing; bin/setup installs it.
    expect(execFileSync('cec-ctl', ['--version'], { encoding: 'utf8' })).toMatch(/^cec-ctl /);
    const cec = new CecClient({ device: join(directory, 'cec9') });
    const error = await failure(cec.tvOn());
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe(
      `cec-ctl on ${join(directory, 'cec9')}: Failed to open ${join(directory, 'cec9')}: No such file or directory`,
    );
  });

  it('says when cec-ctl is not installed', async () => {
    const cec = new CecClient({ command: join(directory, 'no-such-cec-ctl') });
    expect((await failure(cec.standby())).message).toContain('is not installed (apt-get install v4l-utils)');
  });

  it('wakes the TV, switches it to an input and sends it to standby with the documented commands', async () => {
    const command = await recordedCecCtl({ tv: 'on', configured: true });
    const tv = new CecSwitch(new CecClient({ command, device: '/dev/cec1' }), { 'pi-1': '1.0.0.0', 'pi-2': '2.0.0.0' });
    await tv.select('pi-2');
    expect(await tv.read()).toBe('pi-2');
    await new CecClient({ command, device: '/dev/cec1' }).standby();
    expect(await calls()).toEqual([
      ['-d', '/dev/cec1', '--skip-info', '--to', '0', '--image-view-on'],
      ['-d', '/dev/cec1', '--skip-info', '--to', '0', '--active-source', 'phys-addr=2.0.0.0'],
      ['-d', '/dev/cec1', '--skip-info', '--to', '0', '--standby'],
    ]);
  });

  it('configures an adapter without a logical address as a playback device, then sends', async () => {
    const command = await recordedCecCtl({ tv: 'on', configured: false });
    const cec = new CecClient({ command });
    expect(await cec.tvPower()).toBe('on');
    expect((await calls()).map((args) => args.slice(3).join(' '))).toEqual([
      '--to 0 --give-device-power-status',
      '--playback --osd-name Kubedesk',
      '--to 0 --give-device-power-status',
    ]);
  });

  it('fails when the TV does not acknowledge, although cec-ctl exits 0', async () => {
    const command = await recordedCecCtl({ tv: 'absent', configured: true });
    const error = await failure(new CecClient({ command }).tvOn());
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe(
      'cec-ctl on /dev/cec0: Image View On was not taken: Tx, Not Acknowledged (4), Max Retries',
    );
  });

  it('refuses a physical address that is not one, without running anything', async () => {
    const command = await recordedCecCtl({ tv: 'on', configured: true });
    const error = await failure(new CecClient({ command }).activeSource('2.0.0.0; reboot'));
    expect(error.code).toBe('bad-arguments');
    expect(await calls()).toEqual([]);
    expect(() => new CecSwitch(new CecClient({ command }), { a: '20.0.0' })).toThrow(/not a physical address/);
  });
});
