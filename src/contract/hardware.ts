import { z } from 'zod';
import type { Disposable, Listener } from './events.js';
import { defineCapability } from './spec.js';

/**
 * Hardware API v1 (docs/hardware-api.yaml): what a hardware controller (the reference Arduino
 * firmware, the simulator, or drivers for other gear) says about the HDMI switch, the audio
 * mixer and the power relays. These schemas check every reply of a controller at the boundary,
 * and the simulator uses the same ones for what it accepts.
 */

/** Inputs and ports are path segments of the API (`/v1/power/<port>`): short, URL-safe. */
export const HARDWARE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
/** More than any HDMI matrix or relay board on sale; a bound keeps a bad reply from costing memory. */
export const HARDWARE_MAX_INPUTS = 64;
export const HARDWARE_MAX_PORTS = 64;
export const VOLUME_MIN = 0;
export const VOLUME_MAX = 100;

export const hardwareNameSchema = z
  .string()
  .regex(HARDWARE_NAME_PATTERN, 'a name of 1 to 32 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const volumeSchema = z.number().int().min(VOLUME_MIN).max(VOLUME_MAX);

/** `GET /v1/state`, and the reply of every command. */
export const hardwareStateSchema = z.strictObject({
  hdmi: z.strictObject({
    /** The input shown now; null when the switch has none selected (or cannot tell). */
    active: hardwareNameSchema.nullable(),
    inputs: z.array(hardwareNameSchema).max(HARDWARE_MAX_INPUTS),
  }),
  audio: z.strictObject({
    /** The mixer input heard now, named like the HDMI inputs; null when none. */
    active: hardwareNameSchema.nullable(),
    volume: volumeSchema,
    muted: z.boolean(),
  }),
  /** Power per port: true is on. */
  power: z.record(hardwareNameSchema, z.boolean()).refine((power) => Object.keys(power).length <= HARDWARE_MAX_PORTS, {
    message: `at most ${HARDWARE_MAX_PORTS} ports`,
  }),
  /** What the controller runs, e.g. "kubedesk-firmware 1.0.0 (uno, w5500)". */
  firmware: z.string().max(200),
});
export type HardwareState = z.infer<typeof hardwareStateSchema>;

/** `PUT /v1/hdmi`. */
export const hdmiCommandSchema = z.strictObject({ active: hardwareNameSchema });
export type HdmiCommand = z.infer<typeof hdmiCommandSchema>;

/** `PUT /v1/audio`: any of the three; what is left out stays as it is. */
export const audioCommandSchema = z
  .strictObject({
    active: hardwareNameSchema.optional(),
    volume: volumeSchema.optional(),
    muted: z.boolean().optional(),
  })
  .refine((command) => Object.keys(command).length > 0, { message: 'give at least one of active, volume, muted' });
export type AudioCommand = z.infer<typeof audioCommandSchema>;

/** `PUT /v1/power/<port>`. */
export const powerCommandSchema = z.strictObject({ on: z.boolean() });
export type PowerCommand = z.infer<typeof powerCommandSchema>;

/** Every 4xx/5xx answer of a controller. */
export const hardwareErrorSchema = z.strictObject({
  error: z.strictObject({ code: z.string().max(64), message: z.string().max(1000) }),
});
export type HardwareErrorBody = z.infer<typeof hardwareErrorSchema>;

/**
 * Whether the host can talk to its controller:
 * - `unconfigured`: none is set up (no URL given);
 * - `connecting`: the first answer has not come yet;
 * - `online`: answers, and its event stream is open;
 * - `offline`: does not answer, refuses the token, or answers garbage; `message` says which,
 *   and the host keeps trying (with backoff) until it answers again.
 */
export type HardwareConnection = 'unconfigured' | 'connecting' | 'online' | 'offline';

export interface HardwareStatus {
  connection: HardwareConnection;
  /** ISO time of the last change of `connection`. */
  since: string;
  /** Where the controller is, e.g. "http://10.0.0.20/" or "drivers: cec, tasmota"; null when unconfigured. */
  controller: string | null;
  /** One line for a person: "online", "no answer within 3000 ms", "401: the token was refused". */
  message: string;
  /** The last state the controller reported; kept while offline (it may be stale), null before the first. */
  state: HardwareState | null;
}

/**
 * The hardware controller: the HDMI switch, the audio mixer and the power relays. Commands are
 * idempotent (setting what is already set changes nothing) and resolve with the state after
 * them; they fail with `unavailable` while the controller is offline, `timeout` when it does not
 * answer in time, `unauthorized` when it refuses the token, `bad-message` when its reply is not
 * Hardware API v1, `not-found` for an unknown input or port.
 */
export interface HardwareApi {
  /** The connection and the last known state, offline or not. */
  state(): Promise<HardwareStatus>;
  /** The same at once, then on every change of the connection or of the state. */
  onState(listener: Listener<HardwareStatus>): Disposable;
  setHdmi(input: string): Promise<HardwareState>;
  setAudio(command: AudioCommand): Promise<HardwareState>;
  setPower(port: string, on: boolean): Promise<HardwareState>;
  /** Off, a pause the controller chooses, on again. */
  cyclePower(port: string): Promise<HardwareState>;
}

export const hardwareSpec = defineCapability<HardwareApi>()({
  methods: {
    state: z.tuple([]),
    setHdmi: z.tuple([hardwareNameSchema]),
    setAudio: z.tuple([audioCommandSchema]),
    setPower: z.tuple([hardwareNameSchema, z.boolean()]),
    cyclePower: z.tuple([hardwareNameSchema]),
  },
  events: {
    onState: z.tuple([]),
  },
});
