import { useEffect, useState } from 'react';
import type { TemperatureSample } from '../../src/contract/index';
import { api } from '../connection';
import { HOT_CELSIUS, heatOf, WARM_CELSIUS } from './format';

const WIDTH = 280;
const HEIGHT = 72;

/** A small line of the node's recent temperatures, with the warm and hot thresholds drawn in. */
export function TemperatureChart({ node, current }: { node: string; current: number | null }) {
  const [samples, setSamples] = useState<TemperatureSample[]>([]);
  useEffect(() => {
    let live = true;
    api.cluster
      .temperatureHistory(node)
      .then((history) => live && setSamples(history))
      .catch(() => undefined);
    return () => {
      live = false;
    };
    // Fetch again whenever the current reading changes: that is when history grows.
  }, [node, current]);

  if (samples.length === 0) {
    return <div className="chart-empty">No temperature readings yet</div>;
  }
  const values = samples.map((sample) => sample.celsius);
  const low = Math.min(40, ...values) - 2;
  const high = Math.max(HOT_CELSIUS + 5, ...values) + 2;
  const first = samples[0]!.at;
  const span = Math.max(1, samples.at(-1)!.at - first);
  const x = (at: number) => (samples.length === 1 ? WIDTH : ((at - first) / span) * WIDTH);
  const y = (celsius: number) => HEIGHT - ((celsius - low) / (high - low)) * HEIGHT;
  const points = samples.map((sample) => `${x(sample.at).toFixed(1)},${y(sample.celsius).toFixed(1)}`);
  if (samples.length === 1) {
    points.unshift(`0,${y(samples[0]!.celsius).toFixed(1)}`);
  }
  return (
    <svg
      className="temperature-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={`temperature history of ${node}`}
    >
      <line className="threshold warm" x1={0} x2={WIDTH} y1={y(WARM_CELSIUS)} y2={y(WARM_CELSIUS)} />
      <line className="threshold hot" x1={0} x2={WIDTH} y1={y(HOT_CELSIUS)} y2={y(HOT_CELSIUS)} />
      <polyline className={`temperature-line heat-${heatOf(values.at(-1)!)}`} points={points.join(' ')} />
    </svg>
  );
}
