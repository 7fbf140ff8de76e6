export interface UsageBarProps {
  label: string;
  used: number | null;
  capacity: number;
  format(value: number): string;
}

/** A thin bar with its figures; usage that nobody measured is shown as unknown, never guessed. */
export function UsageBar({ label, used, capacity, format }: UsageBarProps) {
  const known = used !== null && capacity > 0;
  const fraction = known ? Math.min(1, used / capacity) : 0;
  const level = fraction >= 0.9 ? 'high' : fraction >= 0.7 ? 'medium' : 'low';
  return (
    <div className="usage" data-usage={label.toLowerCase()}>
      <span className="usage-label">{label}</span>
      <div className={`usage-track${known ? '' : ' unknown'}`}>
        <div className={`usage-fill ${level}`} style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
      <span className="usage-figure">
        {known ? `${format(used)} / ${format(capacity)}` : `unknown / ${format(capacity)}`}
      </span>
    </div>
  );
}
