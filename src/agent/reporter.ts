/**
 * When to write the readings to the node: a temperature change of at least 1 °C, any change of
 * the throttling bits or the model, or once a minute so the reading is known to be fresh. A Pi
 * that wobbles between 51.2 and 51.6 °C writes once a minute, not every few seconds: every
 * write to a Node object wakes every watcher of nodes in the cluster.
 */
export const TEMPERATURE_STEP_CELSIUS = 1;
export const REFRESH_MS = 60_000;

export interface Readings {
  temperatureCelsius: number | null;
  throttled: string | null;
  model: string | null;
}

export class ReportPolicy {
  private written: Readings | undefined;
  private writtenAt = 0;

  /** Whether these readings, taken at `now`, should be written. */
  due(readings: Readings, now: number): boolean {
    const last = this.written;
    if (!last) {
      return true;
    }
    if (readings.throttled !== last.throttled || readings.model !== last.model) {
      return true;
    }
    if ((readings.temperatureCelsius === null) !== (last.temperatureCelsius === null)) {
      return true;
    }
    if (
      readings.temperatureCelsius !== null &&
      last.temperatureCelsius !== null &&
      Math.abs(readings.temperatureCelsius - last.temperatureCelsius) >= TEMPERATURE_STEP_CELSIUS
    ) {
      return true;
    }
    return now - this.writtenAt >= REFRESH_MS;
  }

  wrote(readings: Readings, now: number): void {
    this.written = { ...readings };
    this.writtenAt = now;
  }
}
