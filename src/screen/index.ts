import { createRequire } from 'node:module';
import {
  KubedeskError,
  type PreviewOptions,
  type ScreenApi,
  type ScreenFrame,
  type ScreenInfo,
} from '../contract/index.js';
import type { HealthBoard } from '../system/index.js';
import { openScreen, type XScreen } from '../x11/index.js';

interface JpegModule {
  encode(image: { data: Buffer; width: number; height: number }, quality: number): { data: Buffer };
}
const jpeg = createRequire(import.meta.url)('jpeg-js') as JpegModule;

/** Good enough to read window titles on a 960-pixel-wide preview, small enough for a phone on Wi-Fi. */
export const PREVIEW_JPEG_QUALITY = 60;

/**
 * Scales a 32-bit BGRX image down by a whole factor (box filter) into RGBA, the layout the JPEG
 * encoder takes. A whole factor keeps text legible and the loop simple.
 */
export function downscale(
  source: Buffer,
  width: number,
  height: number,
  factor: number,
): { data: Buffer; width: number; height: number } {
  const outWidth = Math.floor(width / factor);
  const outHeight = Math.floor(height / factor);
  const out = Buffer.alloc(outWidth * outHeight * 4);
  const area = factor * factor;
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let blue = 0;
      let green = 0;
      let red = 0;
      for (let dy = 0; dy < factor; dy++) {
        let offset = ((y * factor + dy) * width + x * factor) * 4;
        for (let dx = 0; dx < factor; dx++) {
          blue += source[offset]!;
          green += source[offset + 1]!;
          red += source[offset + 2]!;
          offset += 4;
        }
      }
      const target = (y * outWidth + x) * 4;
      out[target] = red / area;
      out[target + 1] = green / area;
      out[target + 2] = blue / area;
      out[target + 3] = 255;
    }
  }
  return { data: out, width: outWidth, height: outHeight };
}

export interface ScreenOptions {
  display: string | null;
  nodeName: string;
  health: HealthBoard;
}

export interface Screen {
  api: ScreenApi;
  dispose(): Promise<void>;
}

interface Subscriber {
  intervalMs: number;
  maxWidth: number;
  listener: (frame: ScreenFrame) => void;
  last: number;
}

/**
 * The `screen` capability: a live, low-rate preview of the display node's screen for a headless
 * demo or a remote user. One capture loop serves every subscriber, at the fastest rate asked.
 */
export function createScreen(options: ScreenOptions): Screen {
  let connection: Promise<XScreen> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  const subscribers = new Set<Subscriber>();

  function open(): Promise<XScreen> {
    if (!options.display) {
      return Promise.reject(new KubedeskError('unavailable', 'this host has no screen to show', 'Unavailable'));
    }
    connection ??= openScreen(options.display).then((screen) => {
      screen.onClose(() => {
        connection = undefined;
      });
      return screen;
    });
    connection.catch(() => {
      connection = undefined;
    });
    return connection;
  }

  async function captureFor(screen: XScreen, maxWidth: number): Promise<ScreenFrame> {
    const pixels = await screen.capture(0, 0, screen.width, screen.height);
    const factor = Math.max(1, Math.ceil(screen.width / maxWidth));
    const scaled = downscale(pixels, screen.width, screen.height, factor);
    const encoded = jpeg.encode(scaled, PREVIEW_JPEG_QUALITY);
    return {
      image: `data:image/jpeg;base64,${encoded.data.toString('base64')}`,
      width: scaled.width,
      height: scaled.height,
      screenWidth: screen.width,
      screenHeight: screen.height,
      at: Date.now(),
    };
  }

  async function tick(): Promise<void> {
    timer = undefined;
    if (disposed || subscribers.size === 0) {
      return;
    }
    const now = Date.now();
    const due = [...subscribers].filter((subscriber) => now - subscriber.last >= subscriber.intervalMs - 20);
    try {
      const screen = await open();
      // Subscribers asking for the same width share one capture.
      const frames = new Map<number, ScreenFrame>();
      for (const subscriber of due) {
        let frame = frames.get(subscriber.maxWidth);
        if (!frame) {
          frame = await captureFor(screen, subscriber.maxWidth);
          frames.set(subscriber.maxWidth, frame);
        }
        subscriber.last = now;
        subscriber.listener(frame);
      }
      options.health.report('screen', 'ok', `preview of ${options.display}`);
    } catch (error) {
      options.health.report('screen', 'degraded', `no preview: ${(error as Error).message}`);
    }
    schedule();
  }

  function schedule(): void {
    if (timer !== undefined || disposed || subscribers.size === 0) {
      return;
    }
    const now = Date.now();
    const next = Math.min(...[...subscribers].map((subscriber) => subscriber.last + subscriber.intervalMs));
    timer = setTimeout(() => void tick(), Math.max(0, next - now));
  }

  options.health.report(
    'screen',
    options.display ? 'ok' : 'degraded',
    options.display ? `screen ${options.display}` : 'no screen on this host',
  );

  return {
    api: {
      async info(): Promise<ScreenInfo> {
        if (!options.display) {
          return { display: null, node: options.nodeName, width: null, height: null };
        }
        const screen = await open();
        return { display: options.display, node: options.nodeName, width: screen.width, height: screen.height };
      },
      onPreview(preview: PreviewOptions, listener) {
        const subscriber: Subscriber = {
          intervalMs: preview.intervalMs ?? 1_000,
          maxWidth: preview.maxWidth ?? 960,
          listener,
          last: 0,
        };
        subscribers.add(subscriber);
        clearTimeout(timer);
        timer = undefined;
        // The first frame comes at once; then at the subscriber's pace.
        timer = setTimeout(() => void tick(), 0);
        return {
          dispose() {
            subscribers.delete(subscriber);
          },
        };
      },
    },
    async dispose() {
      disposed = true;
      clearTimeout(timer);
      subscribers.clear();
      const screen = await connection?.catch(() => undefined);
      await screen?.close();
    },
  };
}
