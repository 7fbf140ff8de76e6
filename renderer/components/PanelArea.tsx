import { X } from 'lucide-react';
import { AppsPanel } from './AppsPanel';
import { useStore } from '../store/index';
import { ClusterPanel } from './ClusterPanel';
import { DisplayPanel } from './DisplayPanel';
import { ScreenPanel } from './ScreenPanel';
import { TerminalPanel } from './TerminalPanel';

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
      {panel === 'cluster' ? (
        <ClusterPanel />
      ) : panel === 'display' ? (
        <DisplayPanel />
      ) : panel === 'screen' ? (
        <ScreenPanel />
      ) : panel === 'terminal' ? (
        <TerminalPanel />
      ) : (
        <AppsPanel />
      )}
    </div>
  );
}
