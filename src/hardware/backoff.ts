/** Doubling delays with ±20 % jitter, so several hosts do not knock on a controller in step. */
export function backoffDelay(attempt: number, firstMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, firstMs * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** A sleep that `wake()` ends early and `cancel()` ends for good (it then resolves false). */
export function interruptibleSleep(ms: number): { done: Promise<boolean>; wake(): void; cancel(): void } {
  let finish: (value: boolean) => void = () => undefined;
  const done = new Promise<boolean>((resolve) => (finish = resolve));
  const timer = setTimeout(() => finish(true), ms);
  return {
    done,
    wake() {
      clearTimeout(timer);
      finish(true);
    },
    cancel() {
      clearTimeout(timer);
      finish(false);
    },
  };
}
