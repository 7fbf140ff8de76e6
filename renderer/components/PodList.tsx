import { memo, useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { api } from '../connection';
import { useStore } from '../store/index';

const ROW_HEIGHT = 36;

const PodRow = memo(function PodRow({ podKey }: { podKey: string }) {
  const pod = useStore((state) => state.pods[podKey]);
  if (!pod) {
    return null;
  }
  const phase = pod.deleting ? 'Terminating' : pod.phase;
  return (
    <div className="pod-row" data-pod={pod.key}>
      <span className={`phase phase-${phase.toLowerCase()}`}>{phase}</span>
      <span className="pod-name" title={pod.key}>
        {pod.name}
      </span>
      <span className="pod-namespace">{pod.namespace}</span>
      <span className="pod-reason" title={pod.message ?? ''}>
        {pod.reason ?? (pod.restarts > 0 ? `${pod.restarts} restarts` : '')}
      </span>
    </div>
  );
});

/** The pods of one node, live, in a virtualised list: a node with 500 pods draws a screenful. */
export function PodList({ node }: { node: string }) {
  const podKeys = useStore((state) => state.podKeys);
  const applyPods = useStore((state) => state.applyPods);
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const subscription = api.cluster.onPods({ node }, applyPods);
    return () => subscription.dispose();
  }, [node, applyPods]);
  const virtualizer = useVirtualizer({
    count: podKeys.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  if (podKeys.length === 0) {
    return <div className="chart-empty">No pods on {node}</div>;
  }
  return (
    <div className="pod-list" ref={scroller} aria-label={`pods on ${node}`}>
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => (
          <div
            key={podKeys[row.index]}
            style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${row.start}px)` }}
          >
            <PodRow podKey={podKeys[row.index]!} />
          </div>
        ))}
      </div>
    </div>
  );
}
