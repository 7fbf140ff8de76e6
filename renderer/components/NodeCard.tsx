import { memo } from 'react';
import { Ban, Cpu, Monitor, Thermometer, TriangleAlert, Zap } from 'lucide-react';
import { useStore } from '../store/index';
import { formatBytes, formatCores, heatOf } from './format';
import { NodePowerBadge } from './NodePower';
import { UsageBar } from './UsageBar';

/** One node: selects only its own summary, so a change elsewhere does not redraw it. */
export const NodeCard = memo(function NodeCard({ name }: { name: string }) {
  const node = useStore((state) => state.nodes[name]);
  const selected = useStore((state) => state.selectedNode === name);
  const selectNode = useStore((state) => state.selectNode);
  if (!node) {
    return null;
  }
  const heat = heatOf(node.temperatureCelsius);
  const readiness = node.ready === null ? 'unknown' : node.ready ? 'ready' : 'not-ready';
  return (
    <button
      type="button"
      className={`node-card ${readiness}${selected ? ' selected' : ''}`}
      data-node={node.name}
      data-heat={heat}
      onMouseDown={(event) => event.preventDefault()}
      onClick={() => selectNode(selected ? null : node.name)}
    >
      <div className="node-card-head">
        <span className={`ready-dot ${readiness}`} title={readiness.replace('-', ' ')} />
        <span className="node-name">{node.name}</span>
        <NodePowerBadge name={node.name} />
        {node.displayActive ? (
          <span className="node-badge display" title="the screen shows this node">
            <Monitor size={14} /> screen
          </span>
        ) : null}
        {node.cordoned ? (
          <span className="node-badge cordoned" title="cordoned: no new pods">
            <Ban size={14} /> cordoned
          </span>
        ) : null}
        <span className={`temperature heat-${heat}`} title="SoC temperature">
          <Thermometer size={16} />
          {node.temperatureCelsius === null ? '–' : `${node.temperatureCelsius.toFixed(1)} °C`}
        </span>
      </div>
      <div className="node-model">
        <Cpu size={14} /> {node.model ?? 'unknown board'} · {node.arch}
        {node.throttled?.throttledNow || node.throttled?.underVoltage ? (
          <span className="node-badge throttled" title={`vcgencmd get_throttled: ${node.throttled.raw}`}>
            {node.throttled.underVoltage ? <Zap size={14} /> : <TriangleAlert size={14} />}
            {node.throttled.underVoltage ? 'under-voltage' : 'throttled'}
          </span>
        ) : null}
      </div>
      <UsageBar label="CPU" used={node.cpu.usageMillis} capacity={node.cpu.capacityMillis} format={formatCores} />
      <UsageBar
        label="Memory"
        used={node.memory.usageBytes}
        capacity={node.memory.capacityBytes}
        format={formatBytes}
      />
      <div className="node-pods">
        <span data-pods={node.pods}>
          {node.pods} pod{node.pods === 1 ? '' : 's'}
        </span>
        <span className="node-ip">{node.internalIP ?? ''}</span>
      </div>
    </button>
  );
});
