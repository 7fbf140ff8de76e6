import { LayoutGrid, X } from 'lucide-react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store/index';
import { STATE_LABELS } from './health';

function StatusPanel() {
  const health = useStore(useShallow((state) => state.health));
  const info = useStore((state) => state.info);
  return (
    <section className="panel" aria-label="status panel">
      <header>
        <h2>Status</h2>
        {info ? (
          <p className="panel-subtitle">
            Kubedesk {info.version} · {info.host === 'web' ? 'web host' : 'shell'} on <strong>{info.nodeName}</strong>
          </p>
        ) : null}
      </header>
      <ul className="health-list">
        {health.map((entry) => (
          <li key={entry.capability} className={`health-row state-${entry.state}`} data-capability={entry.capability}>
            <span className="status-dot" />
            <span className="health-name">{entry.capability}</span>
            <span className="health-state">{STATE_LABELS[entry.state]}</span>
            <span className="health-message">{entry.message}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function AppsPanel() {
  const hasApps = useStore((state) => state.info?.capabilities.includes('apps') ?? false);
  return (
    <section className="panel" aria-label="apps panel">
      <header>
        <h2>Apps</h2>
      </header>
      <div className="panel-empty">
        <LayoutGrid size={40} />
        <p>{hasApps ? 'No apps in the catalog.' : 'This host has no app catalog yet.'}</p>
      </div>
    </section>
  );
}

/** The space above the taskbar where its menus open. */
export function PanelArea() {
  const panel = useStore((state) => state.panel);
  const closePanel = useStore((state) => state.closePanel);
  if (panel === null || panel === 'display') {
    return null;
  }
  return (
    <div className="panel-area">
      <button type="button" className="panel-close" aria-label="close panel" onClick={closePanel}>
        <X size={20} />
      </button>
      {panel === 'status' ? <StatusPanel /> : <AppsPanel />}
    </div>
  );
}
