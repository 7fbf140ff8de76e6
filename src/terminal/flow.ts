import { StringDecoder } from 'node:string_decoder';

/** One frame at 60 Hz: output gathered this long costs one message, and xterm.js one render. */
export const BATCH_DURATION_MS = 16;
/** A batch is sent early at this size, so a flood moves in steady chunks. */
export const BATCH_MAX_BYTES = 200 * 1024;
/**
 * Unacknowledged output above which the source is paused: two batches in flight keep the
 * renderer busy without letting a `cat` of a huge file pile up in the host or the socket.
 */
export const HIGH_WATERMARK_BYTES = 2 * BATCH_MAX_BYTES;
/** Resumed below this: far enough under the high mark that pause and resume do not flap. */
export const LOW_WATERMARK_BYTES = BATCH_MAX_BYTES / 4;
/** JSON escapes control characters as \u00XX; a batch is split to stay under the 1 MiB RPC frame. */
const FRAME_BUDGET_CHARS = 512 * 1024;

export interface FlowSource {
  pause(): void;
  resume(): void;
}

/**
 * Output of one session on its way to the renderer: decoded (UTF-8 sequences split across
 * chunks stay whole), batched by time and size, and counted until acknowledged. Above the high
 * mark the source is paused (pty.pause, or the exec socket stops being read, so TCP pushes back
 * to the process on the node); it resumes once acknowledgements bring it below the low mark.
 */
export class OutputPipe {
  private decoder = new StringDecoder('utf8');
  private text = '';
  private bytes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unacknowledged = 0;
  private paused = false;
  private source: FlowSource | null = null;

  constructor(private readonly emit: (data: string, bytes: number) => void) {}

  /** The process output now comes from (a new shell after a move or a reconnect). */
  attach(source: FlowSource): void {
    this.source = source;
    this.decoder = new StringDecoder('utf8');
    if (this.paused) {
      source.pause();
    }
  }

  push(chunk: Buffer, decoded: string): void {
    this.text += decoded;
    this.bytes += chunk.length;
    if (this.bytes >= BATCH_MAX_BYTES) {
      this.flush();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), BATCH_DURATION_MS);
    }
  }

  decode(chunk: Buffer): string {
    return this.decoder.write(chunk);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.bytes === 0 && this.text === '') {
      return;
    }
    const { text, bytes } = this;
    this.text = '';
    this.bytes = 0;
    this.unacknowledged += bytes;
    if (text.length <= FRAME_BUDGET_CHARS) {
      this.emit(text, bytes);
    } else {
      // The bytes ride on the last piece: acknowledged once all of it is written.
      for (let offset = 0; offset < text.length; offset += FRAME_BUDGET_CHARS) {
        this.emit(
          text.slice(offset, offset + FRAME_BUDGET_CHARS),
          offset + FRAME_BUDGET_CHARS >= text.length ? bytes : 0,
        );
      }
    }
    if (!this.paused && this.unacknowledged > HIGH_WATERMARK_BYTES) {
      this.paused = true;
      this.source?.pause();
    }
  }

  acknowledge(bytes: number): void {
    this.unacknowledged = Math.max(0, this.unacknowledged - bytes);
    if (this.paused && this.unacknowledged < LOW_WATERMARK_BYTES) {
      this.paused = false;
      this.source?.resume();
    }
  }

  /** A new reader (after a reload): what the old one never acknowledged will not be. */
  reset(): void {
    this.unacknowledged = 0;
    this.acknowledge(0);
  }

  get pending(): number {
    return this.unacknowledged;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
