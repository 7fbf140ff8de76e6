import { useState } from 'react';
import { Monitor, MonitorCheck, RefreshCw } from 'lucide-react';
import { useShallow } from 'zustand/react/shallow';
import type { DisplayNode } from '../../src/contract/index';
import { api } from '../connection';
import { useStore } from '../store/index';

const STEP_LABELS = {
  hdmi: 'switching HDMI',
  audio: 'switching audio',
  cec: 'switching the TV',
  release: 'releasing the old node',
  claim: 'starting the shell there',
} as const;

function DisplayNodeRow({ node, onError }: { node: DisplayNode; onError(message: string | null): void }) {
  const active = useStore((state) => state.displayStatus?.active === node.name);
  const busy = useStore(
    (state) => state.displayStatus?.switching !== null && state.displayStatus?.switching !== undefined,
  );
  const moving = useStore((state) => state.displayStatus?.switching?.to === node.name);
  const ready = useStore((state) => state.nodes[node.name]?.ready ?? null);
  const hdmi = useStore((state) => state.nodes[node.name]?.hdmi ?? null);
  const inputs = [node.hdmi ? `HDMI ${node.hdmi}` : 'no HDMI input', node.audio ? `audio ${node.audio}` : null]
    .filter(Boolean)
    .join(' · ');
  return (
    <li className={`display-node${active ? ' active' : ''}`} data-display-node={node.name}>
      {active ? <MonitorCheck size={22} /> : <Monitor size={22} />}
      <span className="display-node-name">{node.name}</span>
      <span className="display-node-inputs">
        {inputs}
        {hdmi === 'connected' ? ' · screen plugged in' : ''}
        {ready === false ? ' · NotReady' : ''}
      </span>
      <button
        type="button"
        className="display-show"
        disabled={active || busy}
        onMouseDown={(event) => event.preventDefault()}
        onClick={() => {
          onError(null);
          api.display.switchTo(node.name).catch((error: Error) => onError(error.message));
        }}
      >
        {moving ? <RefreshCw size={16} className="spin" /> : null}
        {active ? 'On screen' : 'Show'}
      </button>
    </li>
  );
}

/** The display menu: which node the screen shows, and moving it. */
export function DisplayPanel() {
  const status = useStore((state) => state.displayStatus);
  const nodes = useStore(useShallow((state) => state.displayStatus?.nodes ?? []));
  const [error, setError] = useState<string | null>(null);
  if (!status) {
    return (
      <section className="panel" aria-label="display panel">
        <h2>Screen</h2>
        <p className="panel-subtitle">Waiting for the host…</p>
      </section>
    );
  }
  const switching = status.switching;
  return (
    <section className="panel display-panel" aria-label="display panel">
      <h2>Screen</h2>
      <p className="panel-subtitle" data-display-active={status.active ?? ''}>
        {status.active ? `${status.active} is on the screen` : 'No node holds the screen'}
        {' · '}
        {status.hotplug === 'follow'
          ? 'plugging a screen into a Pi moves it there'
          : 'the switch decides, not the cables'}
      </p>
      {switching ? (
        <p className="display-progress" role="status">
          <RefreshCw size={16} className="spin" /> Moving to {switching.to}: {STEP_LABELS[switching.step]}
        </p>
      ) : null}
      {status.configError ? (
        <p className="display-error" role="alert">
          {status.configError}
        </p>
      ) : null}
      {(error ?? (status.last && !status.last.ok ? status.last.message : null)) ? (
        <p className="display-error" role="alert" data-display-error>
          {error ?? status.last?.message}
        </p>
      ) : null}
      {nodes.length === 0 ? (
        <p className="panel-empty">The kubedesk-hardware ConfigMap names no nodes yet.</p>
      ) : (
        <ul className="display-nodes">
          {nodes.map((node) => (
            <DisplayNodeRow key={node.name} node={node} onError={setError} />
          ))}
        </ul>
      )}
    </section>
  );
}
