/** Shared wording and colours for the cluster views. */

/** Pi 4 firmware starts soft throttling at 80 °C (Pi 3B+: 60 °C soft limit); warn well before. */
export const WARM_CELSIUS = 60;
export const HOT_CELSIUS = 70;

export type Heat = 'unknown' | 'cool' | 'warm' | 'hot';

export function heatOf(celsius: number | null): Heat {
  if (celsius === null) {
    return 'unknown';
  }
  return celsius >= HOT_CELSIUS ? 'hot' : celsius >= WARM_CELSIUS ? 'warm' : 'cool';
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function formatCores(millis: number): string {
  return millis % 1000 === 0 ? `${millis / 1000}` : (millis / 1000).toFixed(1);
}

export function sinceText(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
