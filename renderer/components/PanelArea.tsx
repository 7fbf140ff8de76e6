import { LayoutGrid, X } from 'lucide-react';
import { useStore } from '../store/index';
import { ClusterPanel } from './ClusterPanel';
import { DisplayPanel } from './DisplayPanel';

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
  if (panel === null) {
    return null;
  }
  return (
    <div className={`panel-area panel-${panel}`}>
      <button type="button" className="panel-close" aria-label="close panel" onClick={closePanel}>
        <X size={20} />
      </button>
      {panel === 'cluster' ? <ClusterPanel /> : panel === 'display' ? <DisplayPanel /> : <AppsPanel />}
    </div>
  );
}
