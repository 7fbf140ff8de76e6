/**
 * The drivers file (`kubedesk serve --hardware-drivers FILE`, YAML or JSON): which gear drives
 * the screen and which drives power, for a desk without a Hardware API controller.
 *
 *   hdmi:
 *     kind: serial-matrix          # or: cec
 *     device: /dev/ttyUSB0
 *     baud: 9600
 *     output: "1"
 *     inputs: { "1": "1", "2": "2", "3": "3", "4": "4" }
 *     select: "#VID {input}>{output}\r"
 *     ok: "^~\\d+@VID \\d+>\\d+ OK"
 *     error: "ERR\\d+"
 *   power:
 *     - kind: tasmota
 *       url: http://10.0.0.31/
 *       ports: { "1": 1, "2": 2 }
 *     - kind: shelly
 *       generation: 2
 *       url: http://10.0.0.32/
 *       ports: { "3": 0 }
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { hardwareNameSchema } from '../../contract/index.js';
import { describeIssues } from '../../rpc/index.js';
import { CecClient, CecSwitch, PHYSICAL_ADDRESS } from './cec.js';
import { DriverBackend } from './composite.js';
import { SerialMatrixDriver } from './serial-matrix.js';
import { ShellyDriver } from './shelly.js';
import { TasmotaDriver } from './tasmota.js';
import type { PowerDriver, SwitchDriver } from './types.js';

const httpUrl = z.url({ protocol: /^https?$/ });
const pattern = z.string().refine(
  (text) => {
    try {
      new RegExp(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);
const template = z.string().min(1).max(200);

const serialMatrixSchema = z.strictObject({
  kind: z.literal('serial-matrix'),
  device: z.string().startsWith('/'),
  baud: z.number().int().optional(),
  output: z.string().regex(/^[0-9A-Za-z]+$/),
  inputs: z.record(hardwareNameSchema, z.string().regex(/^[0-9A-Za-z]+$/)),
  select: template,
  ok: pattern,
  error: pattern.optional(),
  query: template.optional(),
  queryReply: pattern.optional(),
  timeoutMs: z.number().int().positive().max(60_000).optional(),
});

const cecSchema = z.strictObject({
  kind: z.literal('cec'),
  device: z.string().startsWith('/').optional(),
  command: z.string().optional(),
  inputs: z.record(hardwareNameSchema, z.string().regex(PHYSICAL_ADDRESS, 'a physical address like 2.0.0.0')),
});

const tasmotaSchema = z.strictObject({
  kind: z.literal('tasmota'),
  url: httpUrl,
  ports: z.record(hardwareNameSchema, z.number().int().min(1).max(32)),
  user: z.string().optional(),
  password: z.string().optional(),
  timeoutMs: z.number().int().positive().max(60_000).optional(),
});

const shellySchema = z.strictObject({
  kind: z.literal('shelly'),
  generation: z.union([z.literal(1), z.literal(2)]),
  url: httpUrl,
  ports: z.record(hardwareNameSchema, z.number().int().min(0).max(15)),
  user: z.string().optional(),
  password: z.string().optional(),
  timeoutMs: z.number().int().positive().max(60_000).optional(),
});

export const driversFileSchema = z.strictObject({
  hdmi: z.discriminatedUnion('kind', [serialMatrixSchema, cecSchema]).optional(),
  power: z.array(z.discriminatedUnion('kind', [tasmotaSchema, shellySchema])).optional(),
  pollMs: z.number().int().min(500).max(600_000).optional(),
  cycleMs: z.number().int().min(0).max(60_000).optional(),
});
export type DriversFile = z.infer<typeof driversFileSchema>;

/** Checks a parsed drivers file; the error names the wrong field. */
export function parseDriversFile(document: unknown, source = 'drivers file'): DriversFile {
  const parsed = driversFileSchema.safeParse(document);
  if (!parsed.success) {
    throw new Error(`${source}: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

/** Builds the backend a drivers file describes. */
export function driverBackend(file: DriversFile): DriverBackend {
  let hdmi: SwitchDriver | undefined;
  if (file.hdmi?.kind === 'serial-matrix') {
    hdmi = new SerialMatrixDriver(file.hdmi);
  } else if (file.hdmi?.kind === 'cec') {
    const cec = new CecClient({
      ...(file.hdmi.device !== undefined ? { device: file.hdmi.device } : {}),
      ...(file.hdmi.command !== undefined ? { command: file.hdmi.command } : {}),
    });
    hdmi = new CecSwitch(cec, file.hdmi.inputs);
  }
  const power: PowerDriver[] = (file.power ?? []).map((entry) =>
    entry.kind === 'tasmota' ? new TasmotaDriver(entry) : new ShellyDriver(entry),
  );
  return new DriverBackend({
    ...(hdmi ? { hdmi } : {}),
    power,
    ...(file.pollMs !== undefined ? { pollMs: file.pollMs } : {}),
    ...(file.cycleMs !== undefined ? { cycleMs: file.cycleMs } : {}),
  });
}

export async function loadDriversFile(path: string): Promise<DriverBackend> {
  const text = await readFile(path, 'utf8');
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new Error(`${path} is not YAML or JSON: ${(error as Error).message}`, { cause: error });
  }
  return driverBackend(parseDriversFile(document, path));
}
