import { describe, expect, it } from 'vitest';
import {
  BATCH_DURATION_MS,
  BATCH_MAX_BYTES,
  HIGH_WATERMARK_BYTES,
  LOW_WATERMARK_BYTES,
  OutputPipe,
  type FlowSource,
} from './flow.js';

/** A source that remembers whether it was told to stop producing. */
class RecordingSource implements FlowSource {
  paused = false;
  pauses = 0;
  resumes = 0;
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    this.resumes++;
  }
}

function pipeWithSource() {
  const batches: { data: string; bytes: number }[] = [];
  const pipe = new OutputPipe((data, bytes) => batches.push({ data, bytes }));
  const source = new RecordingSource();
  pipe.attach(source);
  const push = (text: string) => {
    const chunk = Buffer.from(text, 'utf8');
    pipe.push(chunk, pipe.decode(chunk));
  };
  return { pipe, source, batches, push };
}

/** Waits past one batch window (no upper bound is asserted: only that the batch came). */
function afterBatchWindow(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, BATCH_DURATION_MS * 3));
}

describe('terminal output on its way to the renderer', () => {
  it('gathers small writes into one batch sent after the batch window, not one message each', async () => {
    const { batches, push } = pipeWithSource();
    push('$ ls\r\n');
    push('a.txt  b.txt\r\n');
    push('$ ');
    expect(batches).toEqual([]);
    await afterBatchWindow();
    expect(batches).toEqual([{ data: '$ ls\r\na.txt  b.txt\r\n$ ', bytes: 22 }]);
  });

  it(`sends a batch at once when it reaches ${BATCH_MAX_BYTES / 1024} KB, without waiting for the window`, () => {
    const { batches, push } = pipeWithSource();
    const line = `${'x'.repeat(1023)}\n`;
    for (let written = 0; written < BATCH_MAX_BYTES; written += line.length) {
      push(line);
    }
    expect(batches).toHaveLength(1);
    expect(batches[0]!.bytes).toBe(BATCH_MAX_BYTES);
  });

  it('never cuts a UTF-8 character in two across chunks', async () => {
    const { pipe, batches } = pipeWithSource();
    const bytes = Buffer.from('grüße 📷', 'utf8');
    for (const byte of bytes) {
      const chunk = Buffer.of(byte);
      pipe.push(chunk, pipe.decode(chunk));
    }
    await afterBatchWindow();
    expect(batches.map((batch) => batch.data).join('')).toBe('grüße 📷');
    expect(batches.reduce((sum, batch) => sum + batch.bytes, 0)).toBe(bytes.length);
  });

  it('pauses the source above the high mark and resumes it only below the low mark', () => {
    const { pipe, source, batches, push } = pipeWithSource();
    const block = 'y'.repeat(BATCH_MAX_BYTES);
    push(block);
    push(block);
    expect(source.paused).toBe(false);
    push('z');
    pipe.flush();
    expect(pipe.pending).toBeGreaterThan(HIGH_WATERMARK_BYTES);
    expect(source.paused).toBe(true);

    // The renderer writes the first batches: still above the low mark, so still paused.
    pipe.acknowledge(batches[0]!.bytes);
    pipe.acknowledge(batches[1]!.bytes - LOW_WATERMARK_BYTES);
    expect(pipe.pending).toBeGreaterThanOrEqual(LOW_WATERMARK_BYTES);
    expect(source.paused).toBe(true);

    pipe.acknowledge(LOW_WATERMARK_BYTES);
    expect(pipe.pending).toBeLessThan(LOW_WATERMARK_BYTES);
    expect(source.paused).toBe(false);
    expect([source.pauses, source.resumes]).toEqual([1, 1]);
  });

  it('keeps a new shell paused while the renderer is still behind (a move to another node)', () => {
    const { pipe, push } = pipeWithSource();
    push('w'.repeat(BATCH_MAX_BYTES));
    push('w'.repeat(BATCH_MAX_BYTES));
    push('w');
    pipe.flush();
    const next = new RecordingSource();
    pipe.attach(next);
    expect(next.paused).toBe(true);
    pipe.acknowledge(pipe.pending);
    expect(next.paused).toBe(false);
  });

  it('resumes when a new reader attaches: the old one will never acknowledge', () => {
    const { pipe, source, push } = pipeWithSource();
    push('v'.repeat(HIGH_WATERMARK_BYTES + 1));
    pipe.flush();
    expect(source.paused).toBe(true);
    pipe.reset();
    expect(pipe.pending).toBe(0);
    expect(source.paused).toBe(false);
  });

  it('splits a batch of control characters into frames and counts its bytes once, on the last piece', () => {
    const { pipe, batches, push } = pipeWithSource();
    // ESC JSON-encodes to six characters: a big chunk of escape sequences must still fit the frames.
    const text = '\x1b[0m'.repeat(150_000);
    push(text);
    pipe.flush();
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.map((batch) => batch.data).join('')).toBe(text);
    expect(batches.filter((batch) => batch.bytes > 0)).toEqual([batches.at(-1)]);
    expect(batches.at(-1)!.bytes).toBe(Buffer.byteLength(text));
  });
});
