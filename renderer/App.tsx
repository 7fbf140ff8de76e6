import { KeyboardPanel } from './components/KeyboardPanel';
import { PanelArea } from './components/PanelArea';
import { StopDialog } from './components/RunningApps';
import { Taskbar } from './components/Taskbar';
import { useStore } from './store/index';

export function App() {
  const keyboardVisible = useStore((state) => state.keyboardVisible);
  // In Electron the keyboard is a window of its own (main/windows.ts); the panel is the web host's.
  const ownWindows = useStore((state) => state.info?.capabilities.includes('shell') ?? false);
  return (
    <div className="shell">
      <PanelArea />
      {keyboardVisible && !ownWindows ? <KeyboardPanel /> : null}
      <Taskbar />
      <StopDialog />
    </div>
  );
}
