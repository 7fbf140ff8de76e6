import { useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Server } from 'lucide-react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store/index';
import { heatOf, sinceText } from './format';
import { STATE_LABELS } from './health';
import { NodeCard } from './NodeCard';
import { NodePowerControls } from './NodePower';
import { PodList } from './PodList';
import { TemperatureChart } from './TemperatureChart';

const CARD_WIDTH = 300;
const ROW_HEIGHT = 176;

/** "live", "reconnecting since 12:03:04", or the error in words. */
export function ClusterConnection() {
  const status = useStore((state) => state.clusterStatus);
  const [, redraw] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => redraw((count) => count + 1), 1000);
    return () => window.clearInterval(timer);
  }, []);
  if (!status) {
    return <span className="cluster-connection connecting">connecting…</span>;
  }
  const text =
    status.state === 'live'
      ? 'live'
      : status.state === 'reconnecting'
        ? `reconnecting since ${new Date(status.since).toLocaleTimeString()} (${sinceText(status.since)})`
        : status.state === 'connecting'
          ? 'connecting…'
          : 'no cluster';
  return (
    <span className={`cluster-connection ${status.state}`} data-cluster-state={status.state} title={status.message}>
      <span className="status-dot" />
      {text}
    </span>
  );
}

function NodeGrid() {
  const nodeNames = useStore((state) => state.nodeNames);
  const scroller = useRef<HTMLDivElement>(null);
  const [columns, setColumns] = useState(3);
  useEffect(() => {
    const element = scroller.current;
    if (!element) {
      return;
    }
    const observer = new ResizeObserver(([entry]) => {
      setColumns(Math.max(1, Math.floor((entry?.contentRect.width ?? CARD_WIDTH) / CARD_WIDTH)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const rows = Math.ceil(nodeNames.length / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 2,
  });
  return (
    <div className="node-grid" ref={scroller} aria-label="nodes">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => (
          <div
            key={row.index}
            className="node-row"
            style={{
              position: 'absolute',
              top: 0,
              left: 0,
              right: 0,
              transform: `translateY(${row.start}px)`,
              gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
            }}
          >
            {nodeNames.slice(row.index * columns, row.index * columns + columns).map((name) => (
              <NodeCard key={name} name={name} />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

function NodeDetail({ name }: { name: string }) {
  const temperature = useStore((state) => state.nodes[name]?.temperatureCelsius ?? null);
  return (
    <aside className="node-detail" aria-label={`details of ${name}`}>
      <h3>{name}</h3>
      <div className="detail-section">
        <div className="detail-title">
          Temperature{' '}
          <span className={`heat-${heatOf(temperature)}`}>
            {temperature === null ? '' : `${temperature.toFixed(1)} °C`}
          </span>
        </div>
        <TemperatureChart node={name} current={temperature} />
      </div>
      <NodePowerControls name={name} />
      <div className="detail-section grow">
        <div className="detail-title">Pods</div>
        <PodList node={name} />
      </div>
    </aside>
  );
}

function HostHealth() {
  const health = useStore(useShallow((state) => state.health));
  return (
    <ul className="health-list" aria-label="host health">
      {health.map((entry) => (
        <li key={entry.capability} className={`health-row state-${entry.state}`} data-capability={entry.capability}>
          <span className="status-dot" />
          <span className="health-name">{entry.capability}</span>
          <span className="health-state">{STATE_LABELS[entry.state]}</span>
          <span className="health-message" title={entry.message}>
            {entry.message}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The cluster as it is, live: a card per node, the selected node's pods and temperatures. */
export function ClusterPanel() {
  const info = useStore((state) => state.info);
  const status = useStore((state) => state.clusterStatus);
  const count = useStore((state) => state.nodeNames.length);
  const selected = useStore((state) => state.selectedNode);
  return (
    <section className="panel cluster-panel" aria-label="cluster panel">
      <header className="cluster-header">
        <Server size={26} />
        <div>
          <h2>Cluster</h2>
          <p className="panel-subtitle">
            {count} node{count === 1 ? '' : 's'}
            {status?.server ? ` · ${status.server}` : ''}
            {info ? ` · Kubedesk ${info.version} on ${info.nodeName}` : ''}
          </p>
        </div>
        <ClusterConnection />
      </header>
      {status?.state === 'error' ? (
        <div className="cluster-error" role="alert">
          {status.message}
        </div>
      ) : null}
      <HostHealth />
      <div className="cluster-body">
        <NodeGrid />
        {selected ? <NodeDetail name={selected} /> : null}
      </div>
    </section>
  );
}
