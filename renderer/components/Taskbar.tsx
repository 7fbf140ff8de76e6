import { Keyboard, LayoutGrid, Monitor, MonitorPlay, SquareTerminal } from 'lucide-react';
import { useShallow } from 'zustand/react/shallow';
import { api } from '../connection';
import { useStore } from '../store/index';
import { Clock } from './Clock';
import { RunningApps } from './RunningApps';
import { ConnectionBadge } from './ConnectionBadge';
import { heatOf } from './format';
import { HardwareIndicator } from './HardwareIndicator';
import { overallState, STATE_LABELS } from './health';
import { TaskbarButton } from './TaskbarButton';

function useCapability(name: string): boolean {
  return useStore((state) => state.info?.capabilities.includes(name) ?? false);
}

function notYet(what: string): string {
  return `${what} is not available on this host yet`;
}

/** "4/4 nodes ready · 1 hot", counted from the store without copying it. */
function ClusterSummary({ fallback }: { fallback: string }) {
  const live = useStore((state) => state.clusterStatus?.state === 'live');
  const total = useStore((state) => state.nodeNames.length);
  const ready = useStore((state) => Object.values(state.nodes).filter((node) => node.ready === true).length);
  const hot = useStore(
    (state) => Object.values(state.nodes).filter((node) => heatOf(node.temperatureCelsius) === 'hot').length,
  );
  if (!live) {
    return <span>{fallback}</span>;
  }
  return (
    <span data-nodes-ready={ready} data-nodes-total={total}>
      {ready}/{total} nodes ready{hot > 0 ? <span className="heat-hot"> · {hot} hot</span> : null}
    </span>
  );
}

/** The bottom panel: apps menu, running apps, then the system tray on the right. */
export function Taskbar() {
  const panel = useStore((state) => state.panel);
  const togglePanel = useStore((state) => state.togglePanel);
  const keyboardVisible = useStore((state) => state.keyboardVisible);
  const toggleKeyboard = useStore((state) => state.toggleKeyboard);
  const nodeName = useStore((state) => state.info?.nodeName ?? '…');
  // The node the screen shows, once the display capability says; the host's own node until then.
  const screenNode = useStore((state) => state.displayStatus?.active ?? null) ?? nodeName;
  const health = useStore(useShallow((state) => state.health));
  const overall = overallState(health);
  const hasDisplay = useCapability('display');
  const hasInput = useCapability('input');
  const hasTerminal = useCapability('terminal');
  // Electron moves real windows for the keyboard and terminals; the web host shows panels.
  const ownWindows = useCapability('shell');
  // On the display node the screen is right there; elsewhere (a laptop, a phone) it is worth a look.
  const webHost = useStore((state) => state.info?.host === 'web');
  const hasScreen = useCapability('screen');
  const showPreview = webHost && hasScreen;

  return (
    <nav className="taskbar" aria-label="taskbar">
      <TaskbarButton
        label="Apps"
        showLabel
        icon={<LayoutGrid size={24} />}
        active={panel === 'apps'}
        onClick={() => togglePanel('apps')}
      />
      <RunningApps />
      <div className="tray">
        <ConnectionBadge />
        <HardwareIndicator />
        <button
          type="button"
          className={`status-pill state-${overall}${panel === 'cluster' ? ' active' : ''}`}
          aria-label="cluster status"
          title="The cluster and the host's capabilities"
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => togglePanel('cluster')}
        >
          <span className="status-dot" />
          <ClusterSummary fallback={STATE_LABELS[overall]} />
        </button>
        <TaskbarButton
          label={`Display: ${screenNode}`}
          showLabel
          icon={<Monitor size={22} />}
          active={panel === 'display'}
          onClick={() => togglePanel('display')}
          {...(hasDisplay
            ? {}
            : { unavailable: `The screen is on ${nodeName}; switching it is not available on this host yet` })}
        />
        <TaskbarButton
          label="On-screen keyboard"
          icon={<Keyboard size={24} />}
          active={keyboardVisible}
          onClick={() => (ownWindows ? void api.shell.setKeyboardVisible(!keyboardVisible) : toggleKeyboard())}
          {...(hasInput ? {} : { unavailable: notYet('The on-screen keyboard') })}
        />
        <TaskbarButton
          label="Terminal"
          icon={<SquareTerminal size={24} />}
          active={panel === 'terminal'}
          onClick={() => (ownWindows ? void api.shell.openTerminal() : togglePanel('terminal'))}
          {...(hasTerminal ? {} : { unavailable: notYet('The terminal') })}
        />
        {showPreview ? (
          <TaskbarButton
            label="Screen preview"
            icon={<MonitorPlay size={24} />}
            active={panel === 'screen'}
            onClick={() => togglePanel('screen')}
          />
        ) : null}
        <Clock />
      </div>
    </nav>
  );
}
