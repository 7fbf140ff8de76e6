import { z } from 'zod';
import type { Disposable, Listener } from './events.js';
import { defineCapability } from './spec.js';

/** One still of the display node's screen, scaled down. */
export interface ScreenFrame {
  /** `data:image/jpeg;base64,…` */
  image: string;
  width: number;
  height: number;
  /** The real screen's size, for mapping positions. */
  screenWidth: number;
  screenHeight: number;
  /** Epoch ms of the capture. */
  at: number;
}

export interface ScreenInfo {
  /** The X display of the screen, or null when this host has none. */
  display: string | null;
  node: string;
  width: number | null;
  height: number | null;
}

export const previewOptionsSchema = z.strictObject({
  /** A low rate is the point: the preview is for seeing what the screen shows, not for working on it. */
  intervalMs: z.number().int().min(250).max(60_000).default(1_000),
  maxWidth: z.number().int().min(160).max(1920).default(960),
});
export type PreviewOptions = z.input<typeof previewOptionsSchema>;

/** The display node's screen as seen from elsewhere: a live, low-rate preview. */
export interface ScreenApi {
  info(): Promise<ScreenInfo>;
  /** Frames at about the given interval while subscribed; nothing is captured without subscribers. */
  onPreview(options: PreviewOptions, listener: Listener<ScreenFrame>): Disposable;
}

export const screenSpec = defineCapability<ScreenApi>()({
  methods: { info: z.tuple([]) },
  events: { onPreview: z.tuple([previewOptionsSchema]) },
});
